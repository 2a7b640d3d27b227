/* checkpoint: blocking file work only (keys, the signed file); the heads come from the caller. */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <sodium.h>

#include "text.h"

#define PK_HEX (crypto_sign_PUBLICKEYBYTES * 2 + 1)
#define SK_HEX (crypto_sign_SECRETKEYBYTES * 2 + 1)
#define SIG_HEX (crypto_sign_BYTES * 2 + 1)

/* Creates path (it must not exist) with data, synced. */
static bool
write_new_file(const char *path, const char *data, size_t len, mode_t mode, const char **why)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	bool ok;

	if (fd < 0) {
		*why = strerror(errno);
		return false;
	}
	ok = write(fd, data, len) == (ssize_t)len && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok)
		*why = "cannot write the file";
	return ok;
}

bool
checkpoint_key_ensure(const char *key_file, const char **why)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char pk_hex[PK_HEX + 1], sk_hex[SK_HEX + 1], pub_path[4096];
	bool ok;

	if (access(key_file, F_OK) == 0)
		return true;
	crypto_sign_keypair(pk, sk);
	sodium_bin2hex(sk_hex, SK_HEX, sk, sizeof sk);
	sodium_bin2hex(pk_hex, PK_HEX, pk, sizeof pk);
	strcat(sk_hex, "\n");
	strcat(pk_hex, "\n");
	snprintf(pub_path, sizeof pub_path, "%s.pub", key_file);
	ok = write_new_file(key_file, sk_hex, strlen(sk_hex), 0600, why) &&
	    write_new_file(pub_path, pk_hex, strlen(pk_hex), 0644, why);
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(sk_hex, sizeof sk_hex);
	return ok;
}

/* The secret key (hex in the file) into sk. */
static bool
load_secret_key(const char *key_file, unsigned char sk[crypto_sign_SECRETKEYBYTES], const char **why)
{
	char hex[SK_HEX + 8];
	size_t bin_len;
	ssize_t n;
	int fd = open(key_file, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0) {
		*why = strerror(errno);
		return false;
	}
	n = read(fd, hex, sizeof hex - 1);
	close(fd);
	ok = n > 0 && sodium_hex2bin(sk, crypto_sign_SECRETKEYBYTES, hex, (size_t)n, " \n", &bin_len, NULL) == 0 &&
	    bin_len == crypto_sign_SECRETKEYBYTES;
	sodium_memzero(hex, sizeof hex);
	if (!ok)
		*why = "the key file is not a checkpoint key";
	return ok;
}

bool
checkpoint_write(
    const char *key_file, const char *dir, const char *heads, char *path, size_t path_size, const char **why)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES];
	char pk_hex[PK_HEX], sig_hex[SIG_HEX], stamp[32], compact[32];
	struct evbuffer *buffer;
	struct timeval now;
	struct tm tm;
	char *text;
	size_t len;
	bool ok;

	if (!checkpoint_key_ensure(key_file, why) || !load_secret_key(key_file, sk, why))
		return false;
	gettimeofday(&now, NULL);
	gmtime_r(&now.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(compact, sizeof compact, "%Y%m%dT%H%M%SZ", &tm);
	sodium_bin2hex(pk_hex, sizeof pk_hex, sk + crypto_sign_SECRETKEYBYTES - crypto_sign_PUBLICKEYBYTES,
	    crypto_sign_PUBLICKEYBYTES);
	buffer = evbuffer_new();
	evbuffer_add_printf(buffer, "%smade_at %s\npublic_key %s\n%s", CHECKPOINT_HEADER, stamp, pk_hex, heads);
	text = text_take(buffer, &len);
	crypto_sign_detached(sig, NULL, (const unsigned char *)text, len, sk);
	sodium_memzero(sk, sizeof sk);
	sodium_bin2hex(sig_hex, sizeof sig_hex, sig, sizeof sig);
	buffer = evbuffer_new();
	evbuffer_add(buffer, text, len);
	evbuffer_add_printf(buffer, "signature %s\n", sig_hex);
	free(text);
	text = text_take(buffer, &len);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		*why = strerror(errno);
		free(text);
		return false;
	}
	/* The microseconds keep two checkpoints of one process in one second apart. */
	snprintf(path, path_size, "%s/checkpoint-%s-%d-%06ld.txt", dir, compact, (int)getpid(), (long)now.tv_usec);
	ok = write_new_file(path, text, len, 0644, why);
	free(text);
	return ok;
}
