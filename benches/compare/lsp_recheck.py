"""The language server's re-check after an edit, as an editor sees it.

    python3 lsp_recheck.py BIN [LINES]

Opens a generated LINES-line script (the --dense shape of gen_export.py) in `BIN lsp`, then
sends 30 edits (one character changed in a body each time) and times each from the change to
its published diagnostics. Prints the median wall time and the server's CPU time per edit,
in milliseconds.
"""
import json
import os
import subprocess
import sys
import time

from gen_export import dense


def main():
    binary = sys.argv[1]
    lines = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    text = dense(lines)
    p = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def send(msg):
        body = json.dumps(msg).encode()
        p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        p.stdin.flush()

    def recv():
        length = 0
        while True:
            line = p.stdout.readline()
            if not line:
                raise SystemExit("the server closed")
            line = line.strip()
            if not line:
                break
            if line.startswith(b"Content-Length:"):
                length = int(line.split(b":")[1])
        return json.loads(p.stdout.read(length))

    send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})
    while recv().get("id") != 1:
        pass
    send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    uri = "file:///tmp/lsp-bench/dense.flyte"

    def diagnostics():
        while True:
            m = recv()
            if m.get("method") == "textDocument/publishDiagnostics":
                return m["params"]["diagnostics"]

    send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
          "params": {"textDocument": {"uri": uri, "languageId": "flyte", "version": 1, "text": text}}})
    first = diagnostics()
    if any(d["severity"] == 1 for d in first):
        raise SystemExit(f"the generated script has errors: {first[:3]}")
    def cpu_ms():
        fields = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])
        return ticks * 1000 / os.sysconf("SC_CLK_TCK")

    times = []
    cpu0 = cpu_ms()
    for i in range(30):
        edited = text.replace("    return total\n", f"    return total + {i}\n", 1)
        t0 = time.perf_counter()
        send({"jsonrpc": "2.0", "method": "textDocument/didChange",
              "params": {"textDocument": {"uri": uri, "version": i + 2}, "contentChanges": [{"text": edited}]}})
        diagnostics()
        times.append((time.perf_counter() - t0) * 1000)
    cpu = (cpu_ms() - cpu0) / 30
    send({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
    while recv().get("id") != 2:
        pass
    send({"jsonrpc": "2.0", "method": "exit", "params": None})
    p.wait(timeout=10)
    times.sort()
    # The median wall time of an edit, and the server's CPU time per edit (which a busy
    # machine does not inflate).
    print(f"{times[len(times) // 2]:.2f} {cpu:.2f}")


main()
