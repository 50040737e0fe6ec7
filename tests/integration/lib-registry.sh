#!/bin/bash
# A real OCI registry for tests (Debian's docker-registry, the CNCF
# distribution registry) on a loopback port of its own, with its storage in
# the test's TRASH, and helpers to publish dev container features into it
# with nothing but curl. Source after lib.sh:
#   registry_start [token REPO...]
#                               sets REGISTRY (127.0.0.1:PORT), stopped at exit;
#                               "token": the registry wants bearer tokens, from a
#                               token service of the test's own (REGISTRY_REALM),
#                               valid for the REPOs named
#   feature_publish DIR REPO TAG
#                               tar DIR (devcontainer-feature.json, install.sh,
#                               ...) and push it as a feature artifact; prints
#                               the manifest digest
#   registry_log                the registry's log, for failures

REGISTRY_BIN=${REGISTRY_BIN:-/usr/bin/docker-registry}

_registry_free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

_b64url() {
	base64 -w0 | tr '+/' '-_' | tr -d '='
}

# A token service for the registry: a self-signed certificate is the
# registry's trusted root, and a JWT signed with its key (the certificate in
# the x5c header) grants pull and push on the named repositories for an
# hour (the registry knows no wildcards). A
# static file server hands out that one token for any query, which is all
# an anonymous pull needs. Sets REGISTRY_TOKEN (for pushing with curl).
_token_service_start() {
	local dir="$1" port now der header claims access='' repo
	shift
	for repo in "$@"; do
		access="$access${access:+,}{\"type\":\"repository\",\"name\":\"$repo\",\"actions\":[\"pull\",\"push\"]}"
	done
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/token.key" \
		-out "$dir/token.crt" -subj /CN=paude-test-token -days 1 2>/dev/null || return 1
	der=$(openssl x509 -in "$dir/token.crt" -outform DER | base64 -w0)
	now=$(date +%s)
	header=$(printf '{"alg":"RS256","typ":"JWT","x5c":["%s"]}' "$der" | _b64url)
	claims=$(printf '{"iss":"paude-test-issuer","sub":"","aud":"paude-test-registry","exp":%d,"nbf":%d,"iat":%d,"jti":"paude-%d","access":[%s]}' \
		$((now + 3600)) $((now - 60)) $((now - 60)) "$$" "$access" | _b64url)
	REGISTRY_TOKEN="$header.$claims.$(printf '%s.%s' "$header" "$claims" |
		openssl dgst -sha256 -sign "$dir/token.key" -binary | _b64url)"
	mkdir -p "$dir/www"
	printf '{"token":"%s","expires_in":3600}' "$REGISTRY_TOKEN" >"$dir/www/token"
	port=$(_registry_free_port) || return 1
	python3 -m http.server --bind 127.0.0.1 --directory "$dir/www" "$port" \
		>"$dir/token.log" 2>&1 &
	test_on_exit "kill $!"
	REGISTRY_REALM=http://127.0.0.1:$port/token
	for _ in $(seq 100); do
		curl -fsS --noproxy '*' -o /dev/null "$REGISTRY_REALM" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "the token service did not start" >&2
	return 1
}

registry_start() {
	[ -x "$REGISTRY_BIN" ] || {
		echo "docker-registry is not installed (apt-get install docker-registry)" >&2
		return 1
	}
	local port dir=$TRASH/registry auth=
	port=$(_registry_free_port) || return 1
	mkdir -p "$dir/storage"
	REGISTRY_TOKEN=
	# "anonymous" (pulls need no token) or "token REPO..." (token auth).
	if [ "${1:-}" = anonymous ]; then
		shift
	elif [ "${1:-}" = token ]; then
		shift
		_token_service_start "$dir" "$@" || return 1
		auth="auth:
  token:
    realm: $REGISTRY_REALM
    service: paude-test-registry
    issuer: paude-test-issuer
    rootcertbundle: $dir/token.crt"
	fi
	cat >"$dir/config.yml" <<CONF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
$auth
CONF
	"$REGISTRY_BIN" serve "$dir/config.yml" >"$dir/log" 2>&1 &
	REGISTRY_PID=$!
	test_on_exit "kill $REGISTRY_PID"
	REGISTRY=127.0.0.1:$port
	for _ in $(seq 100); do
		curl -sS --noproxy '*' -o /dev/null -w '%{http_code}' "http://$REGISTRY/v2/" 2>/dev/null |
			grep -qE '^(200|401)$' && return 0
		kill -0 "$REGISTRY_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "the registry did not start:" >&2
	cat "$dir/log" >&2
	return 1
}

registry_log() {
	cat "$TRASH/registry/log"
}

_sha256() {
	sha256sum "$1" | cut -d' ' -f1
}

# curl against the registry, with the token when it wants one.
_reg_curl() {
	if [ -n "${REGISTRY_TOKEN:-}" ]; then
		curl -fsS --noproxy '*' -H "Authorization: Bearer $REGISTRY_TOKEN" "$@"
	else
		curl -fsS --noproxy '*' "$@"
	fi
}

# _push_blob REPO FILE: upload FILE monolithically.
_push_blob() {
	local repo="$1" file="$2" digest loc
	digest=sha256:$(_sha256 "$file")
	loc=$(_reg_curl -X POST -D - -o /dev/null \
		"http://$REGISTRY/v2/$repo/blobs/uploads/" |
		tr -d '\r' | sed -n 's/^[Ll]ocation: //p') || return 1
	case "$loc" in
	http*) ;;
	*) loc="http://$REGISTRY$loc" ;;
	esac
	case "$loc" in
	*\?*) loc="$loc&digest=$digest" ;;
	*) loc="$loc?digest=$digest" ;;
	esac
	_reg_curl -X PUT -H 'Content-Type: application/octet-stream' \
		--data-binary "@$file" -o /dev/null "$loc"
}

feature_publish() {
	local dir="$1" repo="$2" tag="$3" work
	work=$(mktemp -d "$TRASH/publish.XXXXXX")
	# As the devcontainer CLI packs them: a plain tar of the folder's files.
	tar -C "$dir" --owner=0 --group=0 --numeric-owner -cf "$work/layer.tar" . || return 1
	printf '{}' >"$work/config.json"
	_push_blob "$repo" "$work/layer.tar" || return 1
	_push_blob "$repo" "$work/config.json" || return 1
	cat >"$work/manifest.json" <<MAN
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.devcontainers","digest":"sha256:$(_sha256 "$work/config.json")","size":$(stat -c %s "$work/config.json")},"layers":[{"mediaType":"application/vnd.devcontainers.layer.v1+tar","digest":"sha256:$(_sha256 "$work/layer.tar")","size":$(stat -c %s "$work/layer.tar"),"annotations":{"org.opencontainers.image.title":"devcontainer-feature-$(basename "$repo").tgz"}}]}
MAN
	_reg_curl -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
		--data-binary "@$work/manifest.json" -o /dev/null \
		"http://$REGISTRY/v2/$repo/manifests/$tag" || return 1
	echo "sha256:$(_sha256 "$work/manifest.json")"
}
