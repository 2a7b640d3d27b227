/* channel_tencent: Tencent Cloud SMS, API 3.0 SendSms (version 2021-01-11), signed with
 * TC3-HMAC-SHA256: a canonical request hashed with SHA-256, a string to sign naming the date and
 * service, and a signing key derived by HMAC chaining from "TC3" + SecretKey. The idempotency key
 * travels as SessionContext, which Tencent hands back with the status. */
#include "channel_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <sodium.h>

#include "xalloc.h"

#define SERVICE "sms"
#define ACTION "SendSms"
#define VERSION "2021-01-11"

static void
hmac(const unsigned char *key, size_t key_len, const char *data, unsigned char out[32])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, key_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)data, strlen(data));
	crypto_auth_hmacsha256_final(&st, out);
}

static void
sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, (const unsigned char *)data, len);
	sodium_bin2hex(out, 65, digest, sizeof digest);
}

/* The template id configured for name in "name=id,name=id", copied into out. */
static bool
template_id(const char *templates, const char *name, char *out, size_t out_len)
{
	size_t name_len = strlen(name);

	for (const char *p = templates; p != NULL && *p != '\0';) {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len > name_len + 1 && strncmp(p, name, name_len) == 0 && p[name_len] == '=' &&
		    len - name_len - 1 < out_len) {
			memcpy(out, p + name_len + 1, len - name_len - 1);
			out[len - name_len - 1] = '\0';
			return true;
		}
		p = end != NULL ? end + 1 : NULL;
	}
	return false;
}

/* host[:port] of the endpoint, as curl sends it in Host. */
static void
endpoint_host(const char *endpoint, char *out, size_t out_len)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;

	out[0] = '\0';
	if (curl_url_set(u, CURLUPART_URL, endpoint, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
			snprintf(out, out_len, "%s:%s", host, port);
		else
			snprintf(out, out_len, "%s", host);
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

int
channel_tencent_build(const struct tencent_settings *s, const struct notify_message *m, int64_t now,
    struct outbound_request *out, const char **error)
{
	struct json_object *body = json_object_new_object(), *phones = json_object_new_array();
	struct json_object *params = json_tokener_parse(m->params_json != NULL ? m->params_json : "[]");
	char id[32], host[256], phone[24], date[16], ts[24], payload_hash[65], request_hash[65], signature[65];
	char *canonical, *to_sign, *authorization;
	unsigned char k_date[32], k_service[32], k_signing[32], sig[32];
	size_t key_len = strlen(s->secret_key) + 4, n;
	char *secret = xmalloc(key_len);
	time_t t = (time_t)now;
	struct tm tm;

	memset(out, 0, sizeof *out);
	if (!template_id(s->templates, m->template_name, id, sizeof id)) {
		json_object_put(body);
		json_object_put(phones);
		json_object_put(params);
		free(secret);
		*error = "no Tencent template id configured for this template (--tencent-sms-templates)";
		return -1;
	}
	if (params == NULL || !json_object_is_type(params, json_type_array)) {
		json_object_put(params);
		params = json_object_new_array();
	}
	snprintf(phone, sizeof phone, "+86%s", m->recipient);
	json_object_array_add(phones, json_object_new_string(phone));
	json_object_object_add(body, "PhoneNumberSet", phones);
	json_object_object_add(body, "SmsSdkAppId", json_object_new_string(s->app_id));
	json_object_object_add(body, "SignName", json_object_new_string(s->sign_name));
	json_object_object_add(body, "TemplateId", json_object_new_string(id));
	json_object_object_add(body, "TemplateParamSet", params);
	json_object_object_add(body, "SessionContext", json_object_new_string(m->key));
	out->body =
	    xstrdup(json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(body);
	out->url = xstrdup(s->endpoint);

	endpoint_host(s->endpoint, host, sizeof host);
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	snprintf(ts, sizeof ts, "%lld", (long long)now);
	sha256_hex(out->body, strlen(out->body), payload_hash);
	n = strlen(host) + 256;
	canonical = xmalloc(n);
	snprintf(canonical, n,
	    "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:%s\nx-tc-action:%s\n\n"
	    "content-type;host;x-tc-action\n%s",
	    host, "sendsms", payload_hash);
	sha256_hex(canonical, strlen(canonical), request_hash);
	free(canonical);
	to_sign = xmalloc(256);
	snprintf(to_sign, 256, "TC3-HMAC-SHA256\n%s\n%s/" SERVICE "/tc3_request\n%s", ts, date, request_hash);

	snprintf(secret, key_len, "TC3%s", s->secret_key);
	hmac((const unsigned char *)secret, strlen(secret), date, k_date);
	sodium_memzero(secret, key_len);
	free(secret);
	hmac(k_date, sizeof k_date, SERVICE, k_service);
	hmac(k_service, sizeof k_service, "tc3_request", k_signing);
	hmac(k_signing, sizeof k_signing, to_sign, sig);
	free(to_sign);
	sodium_bin2hex(signature, sizeof signature, sig, sizeof sig);

	n = strlen(s->secret_id) + 256;
	authorization = xmalloc(n);
	snprintf(authorization, n,
	    "TC3-HMAC-SHA256 Credential=%s/%s/" SERVICE "/tc3_request, SignedHeaders=content-type;host;x-tc-action, "
	    "Signature=%s",
	    s->secret_id, date, signature);
	out->headers[0] = outbound_header("Authorization", authorization);
	free(authorization);
	out->headers[1] = outbound_header("Content-Type", "application/json; charset=utf-8");
	out->headers[2] = outbound_header("Host", host);
	out->headers[3] = outbound_header("X-TC-Action", ACTION);
	out->headers[4] = outbound_header("X-TC-Timestamp", ts);
	out->headers[5] = outbound_header("X-TC-Version", VERSION);
	out->headers[6] = outbound_header("X-TC-Region", s->region);
	*error = NULL;
	return 0;
}

enum channel_outcome
channel_tencent_judge(long status, const char *body, char *buf, size_t buf_len, const char **error)
{
	struct json_object *answer = NULL, *response, *err, *set, *first, *code, *message;
	enum channel_outcome outcome;

	if (status != 200) {
		snprintf(buf, buf_len, "HTTP %ld", status);
		*error = buf;
		return channel_status_outcome(status) == CHANNEL_SENT ? CHANNEL_RETRY : channel_status_outcome(status);
	}
	answer = json_tokener_parse(body);
	if (answer == NULL || !json_object_object_get_ex(answer, "Response", &response)) {
		json_object_put(answer);
		*error = "Tencent answered without Response";
		return CHANNEL_RETRY;
	}
	if (json_object_object_get_ex(response, "Error", &err)) {
		const char *c = json_object_object_get_ex(err, "Code", &code) ? json_object_get_string(code) : "";
		const char *msg =
		    json_object_object_get_ex(err, "Message", &message) ? json_object_get_string(message) : "";
		snprintf(buf, buf_len, "%.60s: %.120s", c, msg);
		/* Throttling and Tencent's own failures pass; a wrong key, app, template or number does not. */
		outcome = strncmp(c, "RequestLimitExceeded", 20) == 0 || strncmp(c, "InternalError", 13) == 0 ||
		        strncmp(c, "LimitExceeded", 13) == 0
		    ? CHANNEL_RETRY
		    : CHANNEL_REFUSED;
		json_object_put(answer);
		*error = buf;
		return outcome;
	}
	if (!json_object_object_get_ex(response, "SendStatusSet", &set) || json_object_array_length(set) < 1 ||
	    (first = json_object_array_get_idx(set, 0)) == NULL || !json_object_object_get_ex(first, "Code", &code)) {
		json_object_put(answer);
		*error = "Tencent answered without SendStatusSet";
		return CHANNEL_RETRY;
	}
	if (strcmp(json_object_get_string(code), "Ok") == 0) {
		json_object_put(answer);
		*error = NULL;
		return CHANNEL_SENT;
	}
	snprintf(buf, buf_len, "%.60s: %.120s", json_object_get_string(code),
	    json_object_object_get_ex(first, "Message", &message) ? json_object_get_string(message) : "");
	outcome = strncmp(json_object_get_string(code), "LimitExceeded", 13) == 0 ? CHANNEL_RETRY : CHANNEL_REFUSED;
	json_object_put(answer);
	*error = buf;
	return outcome;
}
