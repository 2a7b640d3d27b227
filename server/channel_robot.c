/* channel_robot: 企业微信 group robots (the key is in the URL; msgtype markdown) and 钉钉 custom robots
 * (markdown; with 加签 the URL carries timestamp=ms and sign=urlencode(base64(HMAC-SHA256(secret,
 * timestamp "\n" secret)))). Both answer {"errcode": 0, "errmsg": "ok"} when they took the message. */
#include "channel_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <sodium.h>

#include "xalloc.h"

/* The 钉钉 URL with timestamp and sign appended. */
static char *
dingtalk_url(const char *url, const char *secret, int64_t now_ms)
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char ts[24], b64[64], *escaped, *out;
	size_t n;

	snprintf(ts, sizeof ts, "%lld", (long long)now_ms);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2base64(b64, sizeof b64, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
	escaped = curl_easy_escape(NULL, b64, 0);
	n = strlen(url) + strlen(ts) + strlen(escaped) + 24;
	out = xmalloc(n);
	snprintf(out, n, "%s%ctimestamp=%s&sign=%s", url, strchr(url, '?') != NULL ? '&' : '?', ts, escaped);
	curl_free(escaped);
	return out;
}

void
channel_robot_build(const struct notify_message *m, int64_t now_ms, struct outbound_request *out)
{
	struct json_object *body = json_object_new_object(), *markdown = json_object_new_object();
	bool dingtalk = strcmp(m->robot_kind, "dingtalk") == 0;

	json_object_object_add(body, "msgtype", json_object_new_string("markdown"));
	if (dingtalk) {
		json_object_object_add(markdown, "title", json_object_new_string("派单通知"));
		json_object_object_add(markdown, "text", json_object_new_string(m->text));
	} else {
		json_object_object_add(markdown, "content", json_object_new_string(m->text));
	}
	json_object_object_add(body, "markdown", markdown);
	memset(out, 0, sizeof *out);
	out->body =
	    xstrdup(json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(body);
	out->url = dingtalk && m->robot_secret != NULL && m->robot_secret[0] != '\0'
	    ? dingtalk_url(m->robot_url, m->robot_secret, now_ms)
	    : xstrdup(m->robot_url);
	out->headers[0] = outbound_header("Content-Type", "application/json; charset=utf-8");
	out->headers[1] = outbound_header("Idempotency-Key", m->key);
}

enum channel_outcome
channel_robot_judge(long status, const char *body, char *buf, size_t buf_len, const char **error)
{
	struct json_object *answer, *code, *message;
	enum channel_outcome outcome = channel_status_outcome(status);
	int64_t errcode;

	if (outcome != CHANNEL_SENT) {
		snprintf(buf, buf_len, "HTTP %ld", status);
		*error = buf;
		return outcome;
	}
	answer = json_tokener_parse(body);
	if (answer == NULL || !json_object_object_get_ex(answer, "errcode", &code) ||
	    !json_object_is_type(code, json_type_int)) {
		json_object_put(answer);
		*error = "robot answered without errcode";
		return CHANNEL_RETRY;
	}
	errcode = json_object_get_int64(code);
	if (errcode == 0) {
		json_object_put(answer);
		*error = NULL;
		return CHANNEL_SENT;
	}
	json_object_object_get_ex(answer, "errmsg", &message);
	snprintf(buf, buf_len, "errcode %lld: %.120s", (long long)errcode,
	    message != NULL ? json_object_get_string(message) : "");
	json_object_put(answer);
	*error = buf;
	/* 45009 (企业微信) and 130101 (钉钉): too many messages a minute; -1: busy. Anything else is a
	 * wrong key, secret or message, which waiting does not fix. */
	return errcode == 45009 || errcode == 130101 || errcode == -1 ? CHANNEL_RETRY : CHANNEL_REFUSED;
}
