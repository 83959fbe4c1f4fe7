# loops.py: a loop-heavy list/dict/string workload, the same work as loops.flyte.
import sys


def work(rounds):
    total = 0
    for r in range(rounds):
        xs = []
        for i in range(2000):
            xs.append((i * 7 + r) % 1000)
        counts = {}
        for x in xs:
            k = f"k{x % 97}"
            counts[k] = counts.get(k, 0) + 1
        words = []
        for k, v in counts.items():
            if v % 2 == 0:
                words.append(k.upper())
            else:
                words.append(k)
        s = ",".join(words)
        total += len(s) + len(counts) + sum([x for x in xs if x % 3 == 0])
    return total


if __name__ == "__main__":
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    print(work(rounds))
