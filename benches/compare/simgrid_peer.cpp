// simgrid_peer.cpp: the SimGrid peer of `cargo bench --bench run`.
//
// A platform of 100 hosts x 16 cores (built in code, a full zone, no links: the tasks never
// communicate), one actor per core slot (1,600 actors), each executing one-second tasks
// (flops = host speed) taken from a shared counter until N tasks are done. Prints the
// simulated makespan; benches/compare/run.sh times wall clock and peak RSS.
//
//   g++ -O2 -std=c++17 simgrid_peer.cpp -lsimgrid -o simgrid_peer
//   ./simgrid_peer N [HOSTS CORES] [--log=root.thres:critical]     (defaults: 1000000 100 16)

#include <simgrid/s4u.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace sg4 = simgrid::s4u;

static constexpr double SPEED = 1e9; // flops per second per core

static long remaining = 0; // tasks not yet started (actors run one at a time: no lock needed)
static long done = 0;

static void worker()
{
  while (remaining > 0) {
    remaining--;
    sg4::this_actor::execute(SPEED); // one second on one core
    done++;
  }
}

int main(int argc, char** argv)
{
  sg4::Engine e(&argc, argv); // takes SimGrid's own --options out of argv
  long n = argc > 1 ? std::atol(argv[1]) : 1000000;
  int hosts = argc > 2 ? std::atoi(argv[2]) : 100;
  int cores = argc > 3 ? std::atoi(argv[3]) : 16;
  remaining = n;

  auto* zone = sg4::create_full_zone("cluster");
  for (int h = 0; h < hosts; h++)
    zone->create_host("node-" + std::to_string(h), SPEED)->set_core_count(cores);
  zone->seal();

  for (int h = 0; h < hosts; h++) {
    sg4::Host* host = e.host_by_name("node-" + std::to_string(h));
    for (int c = 0; c < cores; c++)
      sg4::Actor::create("worker-" + std::to_string(h) + "-" + std::to_string(c), host, worker);
  }
  e.run();
  std::printf("N = %ld: done %ld, makespan %.3f s\n", n, done, sg4::Engine::get_clock());
  return 0;
}
