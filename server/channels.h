/* channels: hands one notification to its provider — SMS through `none` (logged), a signed JSON
 * webhook or Tencent Cloud SMS, group messages through 企业微信 or 钉钉 robots — over http_client, and
 * says whether it was taken, should be retried, or was refused for good. */
#ifndef PAIDAN_CHANNELS_H
#define PAIDAN_CHANNELS_H

#include <event2/event.h>
#include <stdbool.h>

struct config;
struct channels;

struct notify_message {
	const char *channel; /* "sms" or "robot" */
	const char *recipient; /* the mobile, or the robot's scope */
	const char *template_name;
	const char *params_json; /* JSON array of strings */
	const char *text;
	const char *key; /* idempotency key handed to the receiver */
	bool secret_text; /* a verification code: never logged */
	const char *robot_kind, *robot_url, *robot_secret; /* robots: from robot_webhooks */
};

enum channel_outcome {
	CHANNEL_SENT, /* the provider took it */
	CHANNEL_RETRY, /* no answer, a timeout, 408/429/5xx, or the provider says "later" */
	CHANNEL_REFUSED, /* the provider refused it for good (bad template, bad secret…) */
};

/* Called once per channels_send, from the loop. provider names who was asked; error says why it
 * was not sent (for the log and the console, never with a secret), NULL when sent. */
typedef void (*channel_done)(void *arg, enum channel_outcome outcome, const char *provider, const char *error);

/* Reads the channel settings and secret files (start-up: may block). NULL with *cause set
 * (static storage) when a setting is wrong. Owned by the caller. */
struct channels *channels_new(struct event_base *base, const struct config *cfg, const char **cause);

/* Ends the calls in flight (their done callbacks run with CHANNEL_RETRY) and frees. */
void channels_free(struct channels *ch);

void channels_send(struct channels *ch, const struct notify_message *m, channel_done done, void *arg);

/* The SMS provider's name: none, webhook or tencent. */
const char *channels_sms_provider(const struct channels *ch);

/* Calls in flight. */
int channels_in_flight(const struct channels *ch);

#endif
