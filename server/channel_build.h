/* channel_build: the providers' request builders and answer readers, shared by channels.c and the
 * unit tests. Each builder is pure given the time; signatures use libsodium's SHA-256 and
 * HMAC-SHA256. */
#ifndef PAIDAN_CHANNEL_BUILD_H
#define PAIDAN_CHANNEL_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "channels.h"

#define OUTBOUND_MAX_HEADERS 10

/* One HTTP POST: everything owned, freed by outbound_request_free. headers is NULL-terminated. */
struct outbound_request {
	char *url;
	char *headers[OUTBOUND_MAX_HEADERS + 1];
	char *body;
};
void outbound_request_free(struct outbound_request *r);
/* "Name: value", newly allocated: one line of outbound_request.headers. */
char *outbound_header(const char *name, const char *value);

/* Lower-case hex of HMAC-SHA256(key, data) into out (65 bytes). */
void channel_hmac_hex(const unsigned char *key, size_t key_len, const char *data, size_t len, char out[65]);

/* Generic webhook: POST {to, template, params, text, key} with X-Paidan-Timestamp (Unix seconds)
 * and X-Paidan-Signature: sha256=HEX(HMAC-SHA256(secret, timestamp "." body)). */
void channel_webhook_build(const char *url, const unsigned char *secret, size_t secret_len,
    const struct notify_message *m, int64_t now, struct outbound_request *out);

struct tencent_settings {
	const char *endpoint; /* https://sms.tencentcloudapi.com */
	const char *secret_id, *secret_key;
	const char *app_id, *sign_name, *region;
	const char *templates; /* "name=id,name=id" */
};
/* Tencent Cloud SMS API 3.0 SendSms (version 2021-01-11) signed with TC3-HMAC-SHA256. Returns -1
 * with *error set when the template has no id configured. */
int channel_tencent_build(const struct tencent_settings *s, const struct notify_message *m, int64_t now,
    struct outbound_request *out, const char **error);
/* Reads SendSms's answer; error (static or in buf) when not sent. */
enum channel_outcome channel_tencent_judge(
    long status, const char *body, char *buf, size_t buf_len, const char **error);

/* 企业微信 group robot (msgtype markdown) or 钉钉 custom robot (markdown; timestamp and sign added
 * to the URL when a secret is set). */
void channel_robot_build(const struct notify_message *m, int64_t now_ms, struct outbound_request *out);
/* Reads a robot's {"errcode", "errmsg"} answer. */
enum channel_outcome channel_robot_judge(long status, const char *body, char *buf, size_t buf_len, const char **error);

/* The outcome an HTTP status alone gives (the webhook): 2xx sent, 408/429/5xx or none retry, else refused. */
enum channel_outcome channel_status_outcome(long status);

#endif
