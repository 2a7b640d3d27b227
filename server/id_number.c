/* id_number: the ID-card number is personal data the county must keep but never show. One master key
 * (a file of 32 random bytes) gives two subkeys: one encrypts the number (secretbox), the other
 * hashes it (keyed BLAKE2b) so the database can refuse a second volunteer with the same number
 * without being able to tell which number it is. The key is read once, before serving or importing. */
#include "id_number.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"

#define KEY_BYTES 32
#define KDF_CONTEXT "paidanid"
#define SUBKEY_SEAL 1
#define SUBKEY_HASH 2
#define SEALED_BYTES (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + ID_NUMBER_LEN)
#define HASH_BYTES 32

_Static_assert(2 + SEALED_BYTES * 2 + 1 <= ID_NUMBER_SEALED_TEXT, "sealed text fits");
_Static_assert(2 + HASH_BYTES * 2 + 1 <= ID_NUMBER_HASH_TEXT, "hash text fits");
_Static_assert(crypto_secretbox_KEYBYTES == KEY_BYTES && crypto_kdf_KEYBYTES == KEY_BYTES, "key sizes");

static bool key_loaded;
static unsigned char seal_key[KEY_BYTES];
static unsigned char hash_key[KEY_BYTES];

/* ---- the key file ---- */

/* Makes the directory that will hold path (one level, mode 0700) when it is missing. */
static void
make_parent(const char *path)
{
	char dir[4096];
	char *slash;

	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir || (slash = strrchr(dir, '/')) == NULL ||
	    slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		log_warn("cannot make the directory for the ID-number key", "path", dir, "reason", strerror(errno));
}

/* Writes a new random key beside path and links it into place; another process that got there first wins. */
static bool
key_create(const char *path)
{
	unsigned char key[KEY_BYTES];
	char tmp[4200];
	ssize_t written;
	int fd;

	make_parent(path);
	snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_error("cannot create the ID-number key", "path", tmp, "reason", strerror(errno));
		return false;
	}
	randombytes_buf(key, sizeof key);
	written = write(fd, key, sizeof key);
	sodium_memzero(key, sizeof key);
	if (written != (ssize_t)sizeof key || fsync(fd) != 0) {
		log_error("cannot write the ID-number key", "path", tmp, "reason", strerror(errno));
		close(fd);
		unlink(tmp);
		return false;
	}
	close(fd);
	if (link(tmp, path) != 0 && errno != EEXIST) {
		log_error("cannot put the ID-number key in place", "path", path, "reason", strerror(errno));
		unlink(tmp);
		return false;
	}
	unlink(tmp);
	log_info("created a new ID-number key; back it up apart from the database backups", "path", path);
	return true;
}

bool
id_number_key_load_or_create(const char *path)
{
	unsigned char master[KEY_BYTES + 1];
	struct stat st;
	ssize_t got;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (!key_create(path))
			return false;
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		log_error("cannot read the ID-number key", "path", path, "reason", strerror(errno));
		return false;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
		log_warn("the ID-number key can be read by others: chmod 600 it", "path", path);
	/* One byte more than the key, to tell a longer file from the key itself. */
	got = read(fd, master, sizeof master);
	close(fd);
	if (got != KEY_BYTES) {
		sodium_memzero(master, sizeof master);
		log_error("the ID-number key file must hold exactly 32 bytes", "path", path);
		return false;
	}
	crypto_kdf_derive_from_key(seal_key, sizeof seal_key, SUBKEY_SEAL, KDF_CONTEXT, master);
	crypto_kdf_derive_from_key(hash_key, sizeof hash_key, SUBKEY_HASH, KDF_CONTEXT, master);
	sodium_memzero(master, sizeof master);
	key_loaded = true;
	return true;
}

/* ---- checking and masking ---- */

static bool
birth_date_valid(const char *d)
{
	static const int days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int year = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
	int month = (d[4] - '0') * 10 + (d[5] - '0');
	int day = (d[6] - '0') * 10 + (d[7] - '0');
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (year < 1900 || year > 2099 || month < 1 || month > 12 || day < 1 || day > days[month - 1])
		return false;
	return month != 2 || day <= 28 || leap;
}

const char *
id_number_problem(const char *text, size_t len, char out[ID_NUMBER_LEN + 1])
{
	static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char check_chars[11] = "10X98765432";
	int sum = 0;

	if (len != ID_NUMBER_LEN)
		return "应为 18 位身份证号码 (18 characters: 17 digits, then a digit or X)";
	for (size_t i = 0; i < ID_NUMBER_LEN; i++) {
		char c = text[i];
		if (i == ID_NUMBER_LEN - 1 && (c == 'x' || c == 'X'))
			c = 'X';
		else if (c < '0' || c > '9')
			return "应为 18 位身份证号码 (18 characters: 17 digits, then a digit or X)";
		out[i] = c;
	}
	out[ID_NUMBER_LEN] = '\0';
	if (!birth_date_valid(out + 6))
		return "出生日期不对 (the birth date in it is not a real date)";
	for (int i = 0; i < 17; i++)
		sum += (out[i] - '0') * weights[i];
	if (check_chars[sum % 11] != out[17])
		return "校验位不对，请核对号码 (the check digit does not match: check the number)";
	return NULL;
}

void
id_number_mask(const char *id, char out[ID_NUMBER_LEN + 1])
{
	snprintf(out, ID_NUMBER_LEN + 1, "%.4s**********%.4s", id, id + ID_NUMBER_LEN - 4);
}

/* ---- sealing and hashing ---- */

static void
bytea_text(const unsigned char *bytes, size_t len, char *out, size_t size)
{
	out[0] = '\\';
	out[1] = 'x';
	sodium_bin2hex(out + 2, size - 2, bytes, len);
}

bool
id_number_seal(const char *id, char out[ID_NUMBER_SEALED_TEXT])
{
	unsigned char sealed[SEALED_BYTES];

	if (!key_loaded)
		return false;
	randombytes_buf(sealed, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(
	    sealed + crypto_secretbox_NONCEBYTES, (const unsigned char *)id, ID_NUMBER_LEN, sealed, seal_key);
	bytea_text(sealed, sizeof sealed, out, ID_NUMBER_SEALED_TEXT);
	return true;
}

bool
id_number_hash(const char *id, char out[ID_NUMBER_HASH_TEXT])
{
	unsigned char hash[HASH_BYTES];

	if (!key_loaded)
		return false;
	crypto_generichash(hash, sizeof hash, (const unsigned char *)id, ID_NUMBER_LEN, hash_key, sizeof hash_key);
	bytea_text(hash, sizeof hash, out, ID_NUMBER_HASH_TEXT);
	return true;
}

bool
id_number_open(const char *sealed, char out[ID_NUMBER_LEN + 1])
{
	unsigned char bytes[SEALED_BYTES];
	size_t len;

	if (!key_loaded || strncmp(sealed, "\\x", 2) != 0 ||
	    sodium_hex2bin(bytes, sizeof bytes, sealed + 2, strlen(sealed + 2), NULL, &len, NULL) != 0 ||
	    len != sizeof bytes)
		return false;
	if (crypto_secretbox_open_easy((unsigned char *)out, bytes + crypto_secretbox_NONCEBYTES,
	        SEALED_BYTES - crypto_secretbox_NONCEBYTES, bytes, seal_key) != 0)
		return false;
	out[ID_NUMBER_LEN] = '\0';
	return true;
}
