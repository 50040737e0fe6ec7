#!/bin/bash
# Benchmark: the model gateway's cost. On loopback, a fake Vertex AI and
# token endpoint (tests/integration/fake-model.py) is called ROUNDS times
# directly and ROUNDS times through bin/paude-gateway, over keep-alive
# connections, alternating; the per-request overhead is the difference of
# the medians. Then a stream with pauses between its events is read both
# ways: the delay the gateway adds to each event. Last, the gateway's
# resident memory (VmRSS, and the peak VmHWM) after all of it.
# Goals: overhead <= 2 ms, event delay <= 1 ms, RSS < 10 MiB.
# Usage: bench/gateway.sh [ROUNDS]      (default 200)
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${1:-200}
make -s bin/paude-gateway
work=$(mktemp -d "${TMPDIR:-/tmp}/paude-bench-gateway.XXXXXX")
pids=()
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
# Free ports, chosen by the kernel.
ports=$(python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')
read -r fake_port gw_port <<<"$ports"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/sa.pem" 2>/dev/null
openssl pkey -in "$work/sa.pem" -pubout -out "$work/sa.pub"
python3 tests/integration/fake-model.py "$fake_port" cid csecret rtoken sa@bench.invalid \
	"$work/sa.pub" key 2>"$work/fake.log" &
pids+=($!)
printf '{"type":"authorized_user","client_id":"cid","client_secret":"csecret","refresh_token":"rtoken"}\n' \
	>"$work/adc.json"
PAUDE_GATEWAY_PROVIDER=vertex PAUDE_GATEWAY_PROJECT=bench PAUDE_GATEWAY_REGIONS=us-east5 \
	PAUDE_GATEWAY_ADC="$work/adc.json" PAUDE_GATEWAY_LISTEN="127.0.0.1:$gw_port" \
	PAUDE_GATEWAY_TOKEN_URL="http://127.0.0.1:$fake_port/token" \
	PAUDE_GATEWAY_VERTEX_URL="http://127.0.0.1:$fake_port" \
	PAUDE_GATEWAY_LOG="$work/calls.log" bin/paude-gateway 2>"$work/gateway.log" &
gw_pid=$!
pids+=("$gw_pid")
for _ in $(seq 50); do
	if curl -s -o /dev/null "http://127.0.0.1:$fake_port/seen" &&
		grep -q serving "$work/gateway.log"; then break; fi
	sleep 0.1
done
# The token is minted by the first call; the direct path needs it too.
python3 - "$fake_port" "$gw_port" "$ROUNDS" <<'PY'
import http.client, json, statistics, sys, time
fake, gw, rounds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
path = "/v1/projects/bench/locations/us-east5/publishers/anthropic/models/claude-x:"
body = json.dumps({"anthropic_version": "vertex-2023-10-16", "messages": [
    {"role": "user", "content": "x" * 2000}], "max_tokens": 10})
def conn(port):
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.connect()
    import socket
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return c
def call(c, verb, auth=None):
    h = {"Content-Type": "application/json", "anthropic-version": "vertex-2023-10-16"}
    if auth:
        h["Authorization"] = auth
    t = time.perf_counter()
    c.request("POST", path + verb, body, h)
    r = c.getresponse()
    data = r.read()
    assert r.status == 200, (r.status, data)
    return time.perf_counter() - t
g, d = conn(gw), conn(fake)
call(g, "rawPredict")  # mints the token
c = http.client.HTTPConnection("127.0.0.1", fake); c.request("GET", "/seen")
token = json.loads(c.getresponse().read())["minted"][-1]
auth = "Bearer " + token
for _ in range(10):
    call(g, "rawPredict"); call(d, "rawPredict", auth)
tg, td = [], []
for _ in range(rounds):
    tg.append(call(g, "rawPredict"))
    td.append(call(d, "rawPredict", auth))
mg, md = statistics.median(tg) * 1000, statistics.median(td) * 1000
print("requests: %d each way; median direct %.3f ms, through the gateway %.3f ms" % (rounds, md, mg))
print("overhead per request (median difference): %.3f ms (goal <= 2 ms)" % (mg - md))
# Streams with 50 ms between events: when does each event arrive?
c = http.client.HTTPConnection("127.0.0.1", fake)
c.request("POST", "/control?delay=0.05", ""); c.getresponse().read()
def events(port, auth=None):
    """How long after the fake server sent it each event arrived (ms), read
    off the socket as it comes (no HTTP library buffering in between)."""
    import socket
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    req = json.dumps({"stream": True}).encode()
    head = "POST %sstreamRawPredict HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n" % path
    if auth:
        head += "Authorization: %s\r\n" % auth
    head += "Content-Length: %d\r\nConnection: close\r\n\r\n" % len(req)
    sock.sendall(head.encode() + req)
    out, buf = [], b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        now = time.time()
        buf += chunk
        while b'"paude_sent": ' in buf and b"}" in buf[buf.index(b'"paude_sent": '):]:
            i = buf.index(b'"paude_sent": ') + len(b'"paude_sent": ')
            j = buf.index(b"}", i)
            out.append((now - float(buf[i:j])) * 1000)
            buf = buf[j:]
    sock.close()
    return out
events(gw)  # warm up
lat_g, lat_d = [], []
for _ in range(10):
    lat_g += events(gw)
    lat_d += events(fake, auth)
delays = [statistics.median(lat_g) - statistics.median(lat_d)]
print("stream events: median %.3f ms from upstream to client directly, %.3f ms through the gateway"
      % (statistics.median(lat_d), statistics.median(lat_g)))
print("stream events: each arrives %.3f ms later through the gateway (%d events; goal <= 1 ms)"
      % (delays[0], len(lat_g)))
PY
# RssFile is the shared libraries' pages (libcurl, OpenSSL, GnuTLS through
# libmicrohttpd), shared with every other process that maps them.
# Pss charges each shared page to the processes mapping it in equal parts.
{
	grep -E "VmRSS|VmHWM|RssAnon|RssFile" "/proc/$gw_pid/status"
	grep -E "^Pss:" "/proc/$gw_pid/smaps_rollup"
} | awk '{printf "gateway %-9s %5.1f MiB\n", $1, $2 / 1024}'
echo "(goal: RSS < 10 MiB)"
