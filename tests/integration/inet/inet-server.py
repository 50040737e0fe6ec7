# A tiny multi-port test server (see Containerfile). Every answer names the
# server (argv[1]) so a test can tell who it reached.
import http.server
import os
import socket
import socketserver
import ssl
import subprocess
import sys
import threading

NAME = sys.argv[1] if len(sys.argv) > 1 else "inet"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello from %s (host %s)\n" % (NAME, self.headers.get("Host", "-"))).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (NAME, fmt % args))


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve_http(port, tls):
    srv = Server(("0.0.0.0", port), Handler)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain("/tmp/cert.pem", "/tmp/key.pem")
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()


def serve_banner(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        try:
            c.sendall(("SSH-2.0-%s\r\n" % NAME).encode())
        finally:
            c.close()


subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=" + NAME, "-keyout", "/tmp/key.pem", "-out", "/tmp/cert.pem"],
               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
threads = [threading.Thread(target=serve_http, args=(80, False)),
           threading.Thread(target=serve_http, args=(8080, False)),
           threading.Thread(target=serve_http, args=(443, True)),
           threading.Thread(target=serve_http, args=(8443, True)),
           threading.Thread(target=serve_banner, args=(22,))]
for t in threads:
    t.daemon = True
    t.start()
print("ready", flush=True)
for t in threads:
    t.join()
