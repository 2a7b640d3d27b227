/* settings_record: one statement, compared with the last settings event and appended when they
 * differ. Two processes starting at once may both append the same text (each read the chain before
 * the other's event): the chain then says it twice, which is true. */
#include "settings_record.h"

#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "query.h"
#include "xalloc.h"

static struct db_statement record_statement = DB_STATEMENT("settings_record",
    "INSERT INTO admin_events (actor_role, action, target, payload)"
    "SELECT 'server', 'settings', 'settings', $1::text"
    " WHERE $1::text IS DISTINCT FROM (SELECT payload FROM admin_events WHERE target = 'settings'"
    "                                   ORDER BY seq DESC LIMIT 1)",
    1);

struct settings_record {
	struct app *app;
	struct event *timer;
	char text[2048];
	int state; /* 0 not yet, 1 asked, 2 done */
};

void
settings_record_text(const struct config *cfg, char *out, size_t size)
{
	snprintf(out, size,
	    "trusted_proxy=%s;metrics_allow=%s;public_url=%s;session_hours=%ld;login_max_per_user_address=%ld;"
	    "login_max_per_address=%ld;login_max_per_user=%ld;login_window_minutes=%ld;orders_per_address_hour=%ld;"
	    "open_orders_per_phone=%ld;erase_after_days=%ld;checkpoint_interval_s=%ld",
	    cfg->trusted_proxy, cfg->metrics_allow, cfg->public_url, cfg->session_hours,
	    cfg->login_max_per_user_address, cfg->login_max_per_address, cfg->login_max_per_user,
	    cfg->login_window_minutes, cfg->orders_per_address_hour, cfg->open_orders_per_phone, cfg->erase_after_days,
	    cfg->checkpoint_interval_s);
}

static void
recorded(void *arg, const struct db_reply *reply)
{
	struct settings_record *s = arg;

	if (reply->status != DB_OK) {
		s->state = 0; /* try again on the next tick */
		return;
	}
	s->state = 2;
	event_del(s->timer);
	if (PQcmdTuples((PGresult *)reply->result)[0] == '1')
		log_info("settings recorded in the admin chain");
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct settings_record *s = arg;
	struct query q;

	(void)fd;
	(void)what;
	if (s->state != 0 || s->app->stopping || !db_pool_ready(s->app->db))
		return;
	s->state = 1;
	query_start_pool(&q, s->app->db, &record_statement);
	query_text(&q, 1, s->text);
	query_send(&q, recorded, s);
}

struct settings_record *
settings_record_start(struct app *app)
{
	struct settings_record *s = xcalloc(1, sizeof *s);
	struct timeval second = {1, 0};

	s->app = app;
	settings_record_text(app->cfg, s->text, sizeof s->text);
	s->timer = event_new(app->base, -1, EV_PERSIST, tick, s);
	event_add(s->timer, &second);
	return s;
}

void
settings_record_stop(struct settings_record *s)
{
	if (s == NULL)
		return;
	event_free(s->timer);
	free(s);
}
