/* channels: the SMS provider chosen by --sms-channel, and the group robots, behind one send call. */
#include "channels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "channel_build.h"
#include "config.h"
#include "http_client.h"
#include "log.h"
#include "notify_rules.h"
#include "xalloc.h"

#define SECRET_MAX 512

enum sms_provider { SMS_NONE, SMS_WEBHOOK, SMS_TENCENT };

struct channels {
	struct event_base *base;
	struct http_client *http;
	enum sms_provider sms;
	const char *webhook_url;
	unsigned char webhook_secret[SECRET_MAX];
	size_t webhook_secret_len;
	char secret_id[SECRET_MAX], secret_key[SECRET_MAX];
	struct tencent_settings tencent;
};

struct send_state {
	struct channels *ch;
	channel_done done;
	void *arg;
	const char *provider;
	enum { JUDGE_STATUS, JUDGE_TENCENT, JUDGE_ROBOT } judge;
};

/* Reads a secret file (start-up only) into out; trailing newlines dropped. */
static bool
read_secret(const char *path, char *out, size_t out_len, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return false;
	n = fread(out, 1, out_len - 1, f);
	fclose(f);
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		n--;
	out[n] = '\0';
	*len = n;
	return n > 0;
}

static bool
is_https(const char *url)
{
	return url != NULL && strncmp(url, "https://", 8) == 0 && strlen(url) > 8;
}

struct channels *
channels_new(struct event_base *base, const struct config *cfg, const char **cause)
{
	struct channels *ch = xcalloc(1, sizeof *ch);
	struct http_client_options options = {
	    .ca_bundle = cfg->ca_bundle,
	    .timeout_ms = cfg->notify_timeout_ms,
	    .connect_timeout_ms = cfg->notify_timeout_ms < 5000 ? cfg->notify_timeout_ms : 5000,
	    .max_in_flight = 64,
	};
	char both[SECRET_MAX];
	size_t len;

	ch->base = base;
	if (strcmp(cfg->sms_channel, "none") == 0) {
		ch->sms = SMS_NONE;
	} else if (strcmp(cfg->sms_channel, "webhook") == 0) {
		ch->sms = SMS_WEBHOOK;
		ch->webhook_url = cfg->sms_webhook_url;
		if (!is_https(ch->webhook_url)) {
			*cause = "--sms-channel webhook needs an https --sms-webhook-url";
			goto fail;
		}
		if (!read_secret(cfg->sms_webhook_secret_file, (char *)ch->webhook_secret, sizeof ch->webhook_secret,
		        &ch->webhook_secret_len)) {
			*cause = "--sms-webhook-secret-file cannot be read or is empty";
			goto fail;
		}
	} else if (strcmp(cfg->sms_channel, "tencent") == 0) {
		char *nl;
		ch->sms = SMS_TENCENT;
		if (!read_secret(cfg->tencent_sms_credentials_file, both, sizeof both, &len) ||
		    (nl = strchr(both, '\n')) == NULL) {
			*cause = "--tencent-sms-credentials-file must hold the SecretId and the SecretKey on two lines";
			goto fail;
		}
		*nl = '\0';
		if (nl > both && nl[-1] == '\r')
			nl[-1] = '\0';
		snprintf(ch->secret_id, sizeof ch->secret_id, "%s", both);
		snprintf(ch->secret_key, sizeof ch->secret_key, "%s", nl + 1);
		sodium_memzero(both, sizeof both);
		ch->tencent = (struct tencent_settings){
		    .endpoint = cfg->tencent_sms_endpoint,
		    .secret_id = ch->secret_id,
		    .secret_key = ch->secret_key,
		    .app_id = cfg->tencent_sms_app_id,
		    .sign_name = cfg->tencent_sms_sign_name,
		    .region = cfg->tencent_sms_region,
		    .templates = cfg->tencent_sms_templates,
		};
		if (!is_https(cfg->tencent_sms_endpoint) || cfg->tencent_sms_app_id[0] == '\0' ||
		    cfg->tencent_sms_sign_name[0] == '\0' || cfg->tencent_sms_templates[0] == '\0' ||
		    ch->secret_id[0] == '\0' || ch->secret_key[0] == '\0') {
			*cause =
			    "--sms-channel tencent needs an https endpoint, app id, sign name, templates and credentials";
			goto fail;
		}
	} else {
		*cause = "--sms-channel must be none, webhook or tencent";
		goto fail;
	}
	ch->http = http_client_new(base, &options);
	return ch;
fail:
	sodium_memzero(ch, sizeof *ch);
	free(ch);
	return NULL;
}

void
channels_free(struct channels *ch)
{
	if (ch == NULL)
		return;
	http_client_free(ch->http);
	sodium_memzero(ch, sizeof *ch);
	free(ch);
}

const char *
channels_sms_provider(const struct channels *ch)
{
	static const char *const names[] = {"none", "webhook", "tencent"};

	return names[ch->sms];
}

int
channels_in_flight(const struct channels *ch)
{
	return http_client_in_flight(ch->http);
}

static void
post_done(void *arg, const struct http_client_response *response)
{
	struct send_state *s = arg;
	enum channel_outcome outcome;
	const char *error = NULL;
	char buf[256];

	if (response->error != NULL) {
		snprintf(buf, sizeof buf, "%.200s", response->error);
		s->done(s->arg, CHANNEL_RETRY, s->provider, buf);
		free(s);
		return;
	}
	switch (s->judge) {
	case JUDGE_TENCENT:
		outcome = channel_tencent_judge(response->status, response->body, buf, sizeof buf, &error);
		break;
	case JUDGE_ROBOT:
		outcome = channel_robot_judge(response->status, response->body, buf, sizeof buf, &error);
		break;
	default:
		outcome = channel_status_outcome(response->status);
		if (outcome != CHANNEL_SENT) {
			snprintf(buf, sizeof buf, "HTTP %ld", response->status);
			error = buf;
		}
	}
	s->done(s->arg, outcome, s->provider, error);
	free(s);
}

struct deferred {
	channel_done done;
	void *arg;
	enum channel_outcome outcome;
	const char *provider;
	const char *error;
};

static void
deferred_done(evutil_socket_t fd, short what, void *arg)
{
	struct deferred *d = arg;

	(void)fd;
	(void)what;
	d->done(d->arg, d->outcome, d->provider, d->error);
	free(d);
}

/* Answers on the next loop turn, so that done never runs inside channels_send. */
static void
answer_later(struct channels *ch, channel_done done, void *arg, enum channel_outcome outcome, const char *provider,
    const char *error)
{
	struct deferred *d = xcalloc(1, sizeof *d);

	*d = (struct deferred){done, arg, outcome, provider, error};
	event_base_once(ch->base, -1, EV_TIMEOUT, deferred_done, d, NULL);
}

static void
log_none(const struct notify_message *m)
{
	char masked[16];

	if (strcmp(m->channel, "sms") == 0) {
		snprintf(masked, sizeof masked, "%.3s****%s", m->recipient,
		    strlen(m->recipient) >= 11 ? m->recipient + strlen(m->recipient) - 4 : "");
		log_info("sms not sent (channel none)", "to", masked, "template", m->template_name, "text",
		    m->secret_text ? "(verification code withheld)" : m->text, "key", m->key);
	}
}

void
channels_send(struct channels *ch, const struct notify_message *m, channel_done done, void *arg)
{
	struct outbound_request req = {0};
	struct send_state *s;
	struct timespec ts;
	const char *error = NULL;

	clock_gettime(CLOCK_REALTIME, &ts);
	s = xcalloc(1, sizeof *s);
	s->ch = ch;
	s->done = done;
	s->arg = arg;
	if (strcmp(m->channel, "robot") == 0) {
		s->provider =
		    strcmp(m->robot_kind != NULL ? m->robot_kind : "", "dingtalk") == 0 ? "dingtalk" : "wecom";
		if (m->robot_url == NULL || !is_https(m->robot_url)) {
			free(s);
			answer_later(ch, done, arg, CHANNEL_REFUSED, "robot", "no group robot set for this office");
			return;
		}
		s->judge = JUDGE_ROBOT;
		channel_robot_build(m, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, &req);
	} else if (ch->sms == SMS_NONE) {
		free(s);
		log_none(m);
		answer_later(ch, done, arg, CHANNEL_SENT, "none", NULL);
		return;
	} else if (ch->sms == SMS_WEBHOOK) {
		s->provider = "webhook";
		s->judge = JUDGE_STATUS;
		channel_webhook_build(ch->webhook_url, ch->webhook_secret, ch->webhook_secret_len, m, ts.tv_sec, &req);
	} else {
		s->provider = "tencent";
		s->judge = JUDGE_TENCENT;
		if (channel_tencent_build(&ch->tencent, m, ts.tv_sec, &req, &error) < 0) {
			free(s);
			answer_later(ch, done, arg, CHANNEL_REFUSED, "tencent", error);
			return;
		}
	}
	http_client_post(ch->http, req.url, (const char *const *)req.headers, req.body, strlen(req.body), post_done, s);
	outbound_request_free(&req);
}
