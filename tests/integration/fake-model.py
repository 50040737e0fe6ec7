# A fake Google token endpoint, Vertex AI and Anthropic API in one server,
# for the model gateway's tests (run in the test "inet" image: python3 and
# openssl). It checks what a real one would check, and records what it saw:
#   POST /token                     refresh_token grant (client id, secret
#                                   and refresh token must match) or
#                                   jwt-bearer grant (RS256 verified with
#                                   the public key, iss/aud/scope checked);
#                                   answers tok-N, valid EXPIRES seconds
#   POST /v1/projects/.../models/M:rawPredict | :streamRawPredict |
#        count-tokens:rawPredict    bearer must be the newest token
#   POST /v1/messages[/count_tokens] x-api-key must be the fake key
#   GET  /seen                      JSON: every call (path, auth, anthropic
#                                   headers), the tokens minted
#   POST /control?k=v               fail401=N (next N model calls get 401),
#                                   expires=S, delay=S (between SSE events,
#                                   which then carry the time they were sent)
# Arguments: PORT CLIENT_ID CLIENT_SECRET REFRESH_TOKEN SA_EMAIL SA_PUBKEY API_KEY
import http.server
import base64
import json
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

PORT = int(sys.argv[1])
CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, SA_EMAIL, SA_PUBKEY, API_KEY = sys.argv[2:8]
TOKEN_URL_SUFFIX = "/token"

lock = threading.Lock()
state = {"seen": [], "minted": [], "fail401": 0, "expires": 3600, "delay": 0.0,
         "token_errors": []}


def b64url_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def verify_jwt(jwt):
    head, claims, sig = jwt.split(".")
    with tempfile.NamedTemporaryFile() as data, tempfile.NamedTemporaryFile() as sigf:
        data.write((head + "." + claims).encode())
        data.flush()
        sigf.write(b64url_dec(sig))
        sigf.flush()
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", SA_PUBKEY,
                            "-signature", sigf.name, data.name], capture_output=True)
    if r.returncode != 0:
        return "bad signature"
    h = json.loads(b64url_dec(head))
    c = json.loads(b64url_dec(claims))
    if h.get("alg") != "RS256":
        return "alg"
    if c.get("iss") != SA_EMAIL:
        return "iss"
    if not c.get("aud", "").endswith(TOKEN_URL_SUFFIX):
        return "aud"
    if c.get("scope") != "https://www.googleapis.com/auth/cloud-platform":
        return "scope"
    if abs(c.get("iat", 0) - time.time()) > 300 or c.get("exp", 0) - c.get("iat", 0) > 3600:
        return "times"
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send(self, code, obj, ctype="application/json"):
        data = json.dumps(obj).encode() if not isinstance(obj, bytes) else obj
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", "req-fake-1")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/seen":
            with lock:
                self.send(200, state)
            return
        self.send(404, {"error": "not found"})

    def do_POST(self):
        path, _, query = self.path.partition("?")
        raw = self.body()
        if path == "/control":
            with lock:
                for k, v in urllib.parse.parse_qsl(query):
                    state[k] = float(v) if k == "delay" else int(v)
            self.send(200, {"ok": True})
            return
        if path == TOKEN_URL_SUFFIX:
            return self.token(raw)
        rec = {"path": self.path, "auth": self.headers.get("Authorization"),
               "api_key": self.headers.get("x-api-key"),
               "anthropic_version": self.headers.get("anthropic-version"),
               "anthropic_beta": self.headers.get("anthropic-beta"),
               "headers": sorted(k.lower() for k in self.headers.keys()),
               "time": time.time()}
        try:
            req = json.loads(raw or b"{}")
        except ValueError:
            req = {}
        rec["anthropic_version_body"] = req.get("anthropic_version")
        with lock:
            state["seen"].append(rec)
            newest = state["minted"][-1] if state["minted"] else None
            fail = state["fail401"] > 0
            if fail:
                state["fail401"] -= 1
        if path.startswith("/v1/projects/"):
            if fail or rec["auth"] != "Bearer %s" % newest:
                rec["refused"] = True
                return self.send(401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}})
            if path.endswith("count-tokens:rawPredict"):
                return self.send(200, {"input_tokens": 7})
            return self.answer(path.endswith(":streamRawPredict"), "vertex")
        if path in ("/v1/messages", "/v1/messages/count_tokens"):
            if rec["api_key"] != API_KEY:
                rec["refused"] = True
                return self.send(401, {"type": "error", "error": {
                    "type": "authentication_error", "message": "invalid x-api-key"}})
            if path.endswith("count_tokens"):
                return self.send(200, {"input_tokens": 7})
            return self.answer(bool(req.get("stream")), "anthropic")
        self.send(404, {"error": "not found"})

    def token(self, raw):
        form = dict(urllib.parse.parse_qsl(raw.decode()))
        grant = form.get("grant_type")
        err = None
        if grant == "refresh_token":
            if (form.get("client_id"), form.get("client_secret"),
                    form.get("refresh_token")) != (CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN):
                err = "bad refresh grant"
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            err = verify_jwt(form.get("assertion", "x.y.z"))
        else:
            err = "grant_type"
        with lock:
            if err:
                state["token_errors"].append(err)
            else:
                tok = "fake-access-%d-%s" % (len(state["minted"]) + 1, grant[-6:])
                state["minted"].append(tok)
            expires = state["expires"]
        if err:
            return self.send(400, {"error": "invalid_grant", "error_description": err})
        self.send(200, {"access_token": tok, "expires_in": expires, "token_type": "Bearer"})

    def answer(self, stream, who):
        text = "hi from fake %s" % who
        msg = {"id": "msg_fake", "type": "message", "role": "assistant",
               "model": "claude-fake", "content": [{"type": "text", "text": text}],
               "stop_reason": "end_turn", "stop_sequence": None,
               "usage": {"input_tokens": 5, "output_tokens": 5}}
        if not stream:
            return self.send(200, msg)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        start = dict(msg, content=[], stop_reason=None)
        start["usage"] = {"input_tokens": 5, "output_tokens": 1}
        events = [
            ("message_start", {"type": "message_start", "message": start}),
            ("content_block_start", {"type": "content_block_start", "index": 0,
                                     "content_block": {"type": "text", "text": ""}}),
            ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                     "delta": {"type": "text_delta", "text": text}}),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ("message_delta", {"type": "message_delta",
                               "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                               "usage": {"output_tokens": 5}}),
            ("message_stop", {"type": "message_stop"}),
        ]
        with lock:
            delay = state["delay"]
        for i, (name, data) in enumerate(events):
            if delay:
                # When it left, for measuring what a gateway adds (bench/gateway.sh).
                data = dict(data, paude_sent=time.time())
            chunk = ("event: %s\ndata: %s\n\n" % (name, json.dumps(data))).encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
            if delay and i < len(events) - 1:
                time.sleep(delay)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def log_message(self, fmt, *args):
        sys.stderr.write("fake-model %s\n" % (fmt % args))


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


Server(("0.0.0.0", PORT), Handler).serve_forever()
