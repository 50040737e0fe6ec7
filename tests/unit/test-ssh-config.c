/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/backend/ssh-config.c: addresses, the ssh_config subset, known_hosts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "paude/backend/ssh-config.h"
#include "paude/core/buf.h"

/* Public keys made with ssh-keygen for these tests (their fingerprints as it prints them). */
#define KEY_A "AAAAC3NzaC1lZDI1NTE5AAAAIKBruNe4CsAF90/O8hHbNx3dyzQpZ7YS20uR36Zfb8hv"
#define FP_A "SHA256:JN6aB8IpHH48CMbKSAcqMiRmDtwPwo9a29FME6nJNDI"
#define KEY_B "AAAAC3NzaC1lZDI1NTE5AAAAII3d+5KqQf3l+vomc2Ck84LWJreB2n2FnBWd2AJEvTuS"
#define KEY_C                                                                                      \
	"AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBHZtJ2ZZAicYKum6wYrW6CsRQs+"          \
	"pO2SIcwl9d/"                                                                              \
	"qqAjWBVNahaaJvdeibat4AbnBSEZXtBTnGTu8UUMbuiUWm1ZE="
#define FP_C "SHA256:lXYGVcxuTBTUIcqkbRRLQKKVRV014VYaZvEJb2K2wGA"
/* ssh-keygen -H of "[127.0.0.1]:2222 ssh-ed25519 KEY_A" */
#define HASHED_A "|1|XjISeUx+4YmgbIidHcL4MEqc6FU=|HW3vQhhN/+fknx7H8LQF7cvanW4= ssh-ed25519 " KEY_A

static const struct paude_ssh_env env = { .home = "/home/me",
					  .local_user = "me",
					  .local_host = "laptop" };

static size_t
unbase64(const char *s, unsigned char *out)
{
	size_t n = 0;
	unsigned v = 0, bits = 0;
	for (; *s && *s != '='; s++) {
		const char *tab =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *p = strchr(tab, *s);
		assert_non_null(p);
		v = v << 6 | (unsigned)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(v >> bits);
		}
	}
	return n;
}

/* Resolve addr against the config text with the test environment. */
static int
resolve(struct paude_ssh_target *t, const char *addr, const char *config, struct paude_error **err)
{
	paude_ssh_target_init(t);
	int r = paude_ssh_address_parse(t, addr, err);
	if (r == 0 && config)
		r = paude_ssh_config_apply(t, config, strlen(config), "/home/me/.ssh/config", &env,
					   err);
	if (r == 0)
		r = paude_ssh_target_finish(t, &env, err);
	return r;
}

static void
test_address_user_host_port(void **state)
{
	(void)state;
	_cleanup_ssh_target_ struct paude_ssh_target t = PAUDE_SSH_TARGET_INIT;
	assert_int_equal(resolve(&t, "ann@box.example:2222", NULL, NULL), 0);
	assert_string_equal(t.alias, "box.example");
	assert_string_equal(t.hostname, "box.example");
	assert_string_equal(t.user, "ann");
	assert_int_equal(t.port, 2222);
	paude_ssh_target_release(&t);
	assert_int_equal(resolve(&t, "box", NULL, NULL), 0);
	assert_string_equal(t.user, "me");
	assert_int_equal(t.port, 22);
	assert_int_equal(t.known_hosts.nr, 1);
	assert_string_equal(t.known_hosts.v[0], "/home/me/.ssh/known_hosts");
	paude_ssh_target_release(&t);
	assert_int_equal(resolve(&t, "root@[::1]:2200", NULL, NULL), 0);
	assert_string_equal(t.hostname, "::1");
	assert_int_equal(t.port, 2200);
	paude_ssh_target_release(&t);
	/* The last '@' separates: a user name may hold one. */
	assert_int_equal(resolve(&t, "a@b@host", NULL, NULL), 0);
	assert_string_equal(t.user, "a@b");
	assert_string_equal(t.alias, "host");
}

static void
test_address_rejects_bad_input(void **state)
{
	(void)state;
	static const char *const bad[] = { "", "-oProxyCommand=x", "@host", "u@", "host:0",
					   "host:65536", "host:", "host:2x", "a b", "host:1:2",
					   "[::1", "[::1]x", "-u@host", "h;rm", "h\n", "[zz]:22",
					   "host/x", "[]:22",
					   /* shell syntax in the user, as OpenSSH refuses it */
					   "r$(id)@host", "r`id`@host", "a;b@host", "a|b@host",
					   "a\"b@host", "a'b@host", "a{b@host", "a\\b@host",
					   "a<b@host", "a&b@host" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_ssh_target_ struct paude_ssh_target t = PAUDE_SSH_TARGET_INIT;
		_cleanup_error_ struct paude_error *err = NULL;
		assert_int_equal(paude_ssh_address_parse(&t, bad[i], &err), PAUDE_EUSAGE);
		assert_non_null(err);
		assert_null(t.alias);
	}
}

static void
test_config_host_patterns_and_first_value_wins(void **state)
{
	(void)state;
	const char *cfg = "# a comment\n"
			  "Host other\n"
			  "  HostName wrong.example\n"
			  "Host b?x *.lab !bad.lab\n"
			  "  HostName %h.example.net\n"
			  "  User alice\n"
			  "  Port 2200\n"
			  "  IdentityFile ~/.ssh/id_%r_%n\n"
			  "Host *\n"
			  "  User bob\n"
			  "  Port 22\n"
			  "  IdentityFile \"/keys/with space/%u@%l:%p\"\n"
			  "  UserKnownHostsFile=~/kh1 /etc/kh2\n";
	_cleanup_ssh_target_ struct paude_ssh_target t = PAUDE_SSH_TARGET_INIT;
	assert_int_equal(resolve(&t, "box", cfg, NULL), 0);
	assert_string_equal(t.hostname, "box.example.net");
	assert_string_equal(t.user, "alice");
	assert_int_equal(t.port, 2200);
	assert_int_equal(t.identity_files.nr, 2);
	assert_string_equal(t.identity_files.v[0], "/home/me/.ssh/id_alice_box");
	assert_string_equal(t.identity_files.v[1], "/keys/with space/me@laptop:2200");
	assert_int_equal(t.known_hosts.nr, 2);
	assert_string_equal(t.known_hosts.v[0], "/home/me/kh1");
	assert_string_equal(t.known_hosts.v[1], "/etc/kh2");
	paude_ssh_target_release(&t);

	/* A negated pattern excludes the host even though *.lab matches. */
	assert_int_equal(resolve(&t, "bad.lab", cfg, NULL), 0);
	assert_string_equal(t.hostname, "bad.lab");
	assert_string_equal(t.user, "bob");
	assert_int_equal(t.port, 22);
	paude_ssh_target_release(&t);
	assert_int_equal(resolve(&t, "GPU.LAB", cfg, NULL), 0);
	assert_string_equal(t.user, "alice");
	paude_ssh_target_release(&t);

	/* The address's user and port come before the config's. */
	assert_int_equal(resolve(&t, "carol@box:2022", cfg, NULL), 0);
	assert_string_equal(t.user, "carol");
	assert_int_equal(t.port, 2022);
	assert_string_equal(t.identity_files.v[0], "/home/me/.ssh/id_carol_box");
}

static void
test_config_user_with_shell_syntax_is_refused(void **state)
{
	(void)state;
	static const char *const bad[] = { "User $(touch x)\n", "User -oProxyCommand=x\n",
					   "User a`b`\n", "User \"a b\"\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_ssh_target_ struct paude_ssh_target t = PAUDE_SSH_TARGET_INIT;
		_cleanup_error_ struct paude_error *err = NULL;
		assert_int_equal(resolve(&t, "box", bad[i], &err), PAUDE_EUSAGE);
		assert_non_null(strstr(err->msg, "bad user for host 'box'"));
	}
}

static void
test_config_proxy_keywords_are_refused_where_they_apply(void **state)
{
	(void)state;
	_cleanup_ssh_target_ struct paude_ssh_target t = PAUDE_SSH_TARGET_INIT;
	_cleanup_error_ struct paude_error *err = NULL;
	const char *cfg = "Host jumpy\n  ProxyJump bastion\nHost cmd\n  ProxyCommand nc %h %p\n"
			  "Host direct\n  ProxyJump none\nHost *\n  ProxyJump bastion\n";
	assert_int_equal(resolve(&t, "jumpy", cfg, &err), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "line 2: ProxyJump is not supported"));
	assert_non_null(strstr(err->msg, "'jumpy'"));
	paude_ssh_target_release(&t);
	paude_error_clear(&err);
	assert_int_equal(resolve(&t, "cmd", cfg, &err), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "line 4: ProxyCommand"));
	paude_ssh_target_release(&t);
	paude_error_clear(&err);
	/* "none" first wins over the later Host * ProxyJump. */
	assert_int_equal(resolve(&t, "direct", cfg, &err), 0);
}

static void
test_config_match_blocks_are_skipped_and_match_all_applies(void **state)
{
	(void)state;
	_cleanup_ssh_target_ struct paude_ssh_target t = PAUDE_SSH_TARGET_INIT;
	const char *cfg = "Match host box exec \"true\"\n  User matched\n  ProxyJump x\n"
			  "Match all\n  Port 2345\n";
	assert_int_equal(resolve(&t, "box", cfg, NULL), 0);
	assert_string_equal(t.user, "me");
	assert_int_equal(t.port, 2345);
}

static void
test_config_errors_name_file_and_line(void **state)
{
	(void)state;
	static const char *const bad[] = { "Port 0\n",
					   "\nPort abc\n",
					   "Host\n",
					   "User \"x\n",
					   "HostName\n",
					   "=x\n",
					   "IdentityFile ~root/k\n",
					   "IdentityFile k%z\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_ssh_target_ struct paude_ssh_target t = PAUDE_SSH_TARGET_INIT;
		_cleanup_error_ struct paude_error *err = NULL;
		assert_int_equal(resolve(&t, "box", bad[i], &err), PAUDE_EUSAGE);
		assert_non_null(err);
		if (i < 6)
			assert_non_null(strstr(err->msg, "/home/me/.ssh/config' line "));
	}
}

static void
test_config_include_reads_files_relative_to_ssh_dir(void **state)
{
	(void)state;
	char dir[] = "/tmp/paude-ssh-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *sshdir = paude_xasprintf("%s/.ssh", dir);
	_cleanup_free_ char *cdir = paude_xasprintf("%s/.ssh/conf.d", dir);
	_cleanup_free_ char *f1 = paude_xasprintf("%s/.ssh/conf.d/10-lab.conf", dir);
	assert_int_equal(mkdir(sshdir, 0700), 0);
	assert_int_equal(mkdir(cdir, 0700), 0);
	FILE *f = fopen(f1, "w");
	assert_non_null(f);
	assert_true(fputs("Host *.lab\n  User labuser\nHost *\n  Port 2999\n", f) >= 0);
	assert_int_equal(fclose(f), 0);
	struct paude_ssh_env e = env;
	e.home = dir;
	_cleanup_ssh_target_ struct paude_ssh_target t = PAUDE_SSH_TARGET_INIT;
	const char *cfg = "Host x.lab\n  Include conf.d/*.conf\n  Port 1000\nHost nothing\n"
			  "  Include /nonexistent/*.conf\n";
	assert_int_equal(paude_ssh_address_parse(&t, "x.lab", NULL), 0);
	assert_int_equal(paude_ssh_config_apply(&t, cfg, strlen(cfg), "cfg", &e, NULL), 0);
	assert_string_equal(t.user, "labuser");
	/* The included file's own Host * gave the port first. */
	assert_int_equal(t.port, 2999);
	/* An Include of itself stops at the depth limit with an error. */
	_cleanup_free_ char *loop = paude_xasprintf("%s/.ssh/loop", dir);
	f = fopen(loop, "w");
	assert_non_null(f);
	assert_true(fputs("Include loop\n", f) >= 0);
	assert_int_equal(fclose(f), 0);
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_ssh_config_apply(&t, "Include loop\n", 13, "cfg", &e, &err),
			 PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "nested too deeply"));
	assert_int_equal(unlink(loop), 0);
	assert_int_equal(unlink(f1), 0);
	assert_int_equal(rmdir(cdir), 0);
	assert_int_equal(rmdir(sshdir), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void
test_fingerprint_matches_ssh_keygen(void **state)
{
	(void)state;
	unsigned char k[256];
	size_t n = unbase64(KEY_A, k);
	_cleanup_free_ char *fa = paude_ssh_fingerprint(k, n);
	assert_string_equal(fa, FP_A);
	n = unbase64(KEY_C, k);
	_cleanup_free_ char *fc = paude_ssh_fingerprint(k, n);
	assert_string_equal(fc, FP_C);
	_cleanup_free_ char *n22 = paude_ssh_known_hosts_name("h", 22);
	_cleanup_free_ char *n2 = paude_ssh_known_hosts_name("h", 2222);
	assert_string_equal(n22, "h");
	assert_string_equal(n2, "[h]:2222");
}

struct kh_fixture {
	char dir[64];
	char *file;
};

static int
kh_setup(void **state)
{
	struct kh_fixture *fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	memcpy(fx->dir, "/tmp/paude-kh-XXXXXX", sizeof("/tmp/paude-kh-XXXXXX"));
	assert_non_null(mkdtemp(fx->dir));
	fx->file = paude_xasprintf("%s/known_hosts", fx->dir);
	*state = fx;
	return 0;
}

static int
kh_teardown(void **state)
{
	struct kh_fixture *fx = *state;
	(void)unlink(fx->file);
	(void)rmdir(fx->dir);
	free(fx->file);
	free(fx);
	return 0;
}

static int
check(struct kh_fixture *fx, const char *content, const char *host, unsigned port,
      const char *key_b64, struct paude_error **err)
{
	FILE *f = fopen(fx->file, "w");
	assert_non_null(f);
	assert_true(fputs(content, f) >= 0);
	assert_int_equal(fclose(f), 0);
	unsigned char k[256];
	size_t n = unbase64(key_b64, k);
	_cleanup_strvec_ struct paude_strvec files = PAUDE_STRVEC_INIT;
	paude_strvec_push(&files, "/nonexistent/known_hosts");
	paude_strvec_push(&files, fx->file);
	return paude_ssh_known_hosts_check(&files, host, port, k, n, err);
}

static void
test_known_hosts_accepts_recorded_keys(void **state)
{
	struct kh_fixture *fx = *state;
	assert_int_equal(check(fx, "box ssh-ed25519 " KEY_A "\n", "box", 22, KEY_A, NULL), 0);
	assert_int_equal(
	    check(fx, "[127.0.0.1]:2222 ssh-ed25519 " KEY_A "\n", "127.0.0.1", 2222, KEY_A, NULL),
	    0);
	/* Hashed names, several names on a line, lines libssh2 cannot read skipped. */
	assert_int_equal(
	    check(fx, "garbage line\n@cert-authority * ssh-ed25519 " KEY_B "\n" HASHED_A "\n",
		  "127.0.0.1", 2222, KEY_A, NULL),
	    0);
	assert_int_equal(
	    check(fx, "a,box,c ecdsa-sha2-nistp256 " KEY_C "\n", "box", 22, KEY_C, NULL), 0);
}

static void
test_known_hosts_refuses_unknown_host_with_fingerprint_and_command(void **state)
{
	struct kh_fixture *fx = *state;
	_cleanup_error_ struct paude_error *err = NULL;
	/* A plain entry does not vouch for another port of the host (as in OpenSSH). */
	assert_int_equal(
	    check(fx, "127.0.0.1 ssh-ed25519 " KEY_A "\n", "127.0.0.1", 2222, KEY_A, &err),
	    PAUDE_EPROTO);
	assert_non_null(strstr(err->msg, "host '[127.0.0.1]:2222' is not known"));
	assert_non_null(strstr(err->msg, "ed25519 key " FP_A));
	/* The command appends to the first known_hosts file, which may not exist yet. */
	assert_non_null(strstr(err->msg, "then trust it with: ssh-keyscan -t ed25519 -p 2222 "
					 "127.0.0.1 >> /nonexistent/known_hosts)"));
	paude_error_clear(&err);
	assert_int_equal(check(fx, "", "box", 22, KEY_C, &err), PAUDE_EPROTO);
	assert_non_null(strstr(err->msg, "ssh-keyscan -t ecdsa box >> /nonexistent/known_hosts"));
}

static void
test_known_hosts_refuses_changed_and_revoked_keys_loudly(void **state)
{
	struct kh_fixture *fx = *state;
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(check(fx, HASHED_A "\n", "127.0.0.1", 2222, KEY_B, &err), PAUDE_EPROTO);
	assert_non_null(
	    strstr(err->msg, "REMOTE HOST IDENTIFICATION HAS CHANGED for '[127.0.0.1]:2222'"));
	assert_non_null(strstr(err->msg, "ssh-keygen -R '[127.0.0.1]:2222' -f"));
	paude_error_clear(&err);
	assert_int_equal(check(fx, "@revoked * ssh-ed25519 " KEY_A "\nbox ssh-ed25519 " KEY_A "\n",
			       "box", 22, KEY_A, &err),
			 PAUDE_EPROTO);
	assert_non_null(strstr(err->msg, "IS REVOKED"));
	paude_error_clear(&err);
	unsigned char junk[] = { 0, 0, 0, 3, 'f', 'o', 'o', 1, 2 };
	_cleanup_strvec_ struct paude_strvec files = PAUDE_STRVEC_INIT;
	assert_int_equal(paude_ssh_known_hosts_check(&files, "box", 22, junk, sizeof(junk), &err),
			 PAUDE_EPROTO);
	assert_non_null(strstr(err->msg, "cannot check"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_user_host_port),
		cmocka_unit_test(test_address_rejects_bad_input),
		cmocka_unit_test(test_config_host_patterns_and_first_value_wins),
		cmocka_unit_test(test_config_user_with_shell_syntax_is_refused),
		cmocka_unit_test(test_config_proxy_keywords_are_refused_where_they_apply),
		cmocka_unit_test(test_config_match_blocks_are_skipped_and_match_all_applies),
		cmocka_unit_test(test_config_errors_name_file_and_line),
		cmocka_unit_test(test_config_include_reads_files_relative_to_ssh_dir),
		cmocka_unit_test(test_fingerprint_matches_ssh_keygen),
		cmocka_unit_test_setup_teardown(test_known_hosts_accepts_recorded_keys, kh_setup,
						kh_teardown),
		cmocka_unit_test_setup_teardown(
		    test_known_hosts_refuses_unknown_host_with_fingerprint_and_command, kh_setup,
		    kh_teardown),
		cmocka_unit_test_setup_teardown(
		    test_known_hosts_refuses_changed_and_revoked_keys_loudly, kh_setup,
		    kh_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
