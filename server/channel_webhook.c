/* channel_webhook: the generic signed JSON webhook for any SMS provider, and the helpers the other
 * builders share (HMAC, request freeing, status → outcome). */
#include "channel_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "xalloc.h"

void
outbound_request_free(struct outbound_request *r)
{
	free(r->url);
	free(r->body);
	for (int i = 0; i < OUTBOUND_MAX_HEADERS && r->headers[i] != NULL; i++)
		free(r->headers[i]);
	memset(r, 0, sizeof *r);
}

char *
outbound_header(const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 3;
	char *h = xmalloc(n);

	snprintf(h, n, "%s: %s", name, value);
	return h;
}

void
channel_hmac_hex(const unsigned char *key, size_t key_len, const char *data, size_t len, char out[65])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, key, key_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)data, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, 65, mac, sizeof mac);
}

enum channel_outcome
channel_status_outcome(long status)
{
	if (status >= 200 && status < 300)
		return CHANNEL_SENT;
	if (status == 0 || status == 408 || status == 429 || status >= 500)
		return CHANNEL_RETRY;
	return CHANNEL_REFUSED;
}

void
channel_webhook_build(const char *url, const unsigned char *secret, size_t secret_len, const struct notify_message *m,
    int64_t now, struct outbound_request *out)
{
	struct json_object *body = json_object_new_object();
	struct json_object *params = json_tokener_parse(m->params_json != NULL ? m->params_json : "[]");
	char ts[24], sig[65], sig_header[80];
	const char *text;
	char *signed_text;
	size_t len;

	if (params == NULL || !json_object_is_type(params, json_type_array)) {
		json_object_put(params);
		params = json_object_new_array();
	}
	json_object_object_add(body, "to", json_object_new_string(m->recipient));
	json_object_object_add(body, "template", json_object_new_string(m->template_name));
	json_object_object_add(body, "params", params);
	json_object_object_add(body, "text", json_object_new_string(m->text));
	json_object_object_add(body, "key", json_object_new_string(m->key));
	text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	memset(out, 0, sizeof *out);
	out->url = xstrdup(url);
	out->body = xstrdup(text);
	json_object_put(body);

	snprintf(ts, sizeof ts, "%lld", (long long)now);
	len = strlen(ts) + 1 + strlen(out->body);
	signed_text = xmalloc(len + 1);
	snprintf(signed_text, len + 1, "%s.%s", ts, out->body);
	channel_hmac_hex(secret, secret_len, signed_text, len, sig);
	free(signed_text);
	snprintf(sig_header, sizeof sig_header, "sha256=%s", sig);
	out->headers[0] = outbound_header("Content-Type", "application/json; charset=utf-8");
	out->headers[1] = outbound_header("X-Paidan-Timestamp", ts);
	out->headers[2] = outbound_header("X-Paidan-Signature", sig_header);
	out->headers[3] = outbound_header("Idempotency-Key", m->key);
}
