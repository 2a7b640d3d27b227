/* export: CSV exports that Excel opens as they are — UTF-8 with a BOM, CRLF, RFC 4180 quoting — and
 * that a spreadsheet cannot be tricked by (a cell starting with = + - @ gets an apostrophe).
 *
 * An export never sits in memory whole: rows come in keyset pages of PAGE_ROWS, one statement per
 * page; each page becomes one chunk of the reply, and the next page is asked for only once the
 * connection has sent most of what is waiting (a slow client slows the export instead of growing
 * the output buffer). The head goes out with the first page, so a database that fails at once
 * still gets a proper 503; a failure later can only end the stream, with a last line saying so.
 * When the client leaves, the export stops at the next step. */
#include "export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "query.h"
#include "stats.h"
#include "xalloc.h"

#define PAGE_ROWS 500
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
/* Another page is fetched once less than LOW_WATER bytes wait to be sent, if more than HIGH_WATER did. */
#define HIGH_WATER (256 * 1024)
#define LOW_WATER (64 * 1024)
#define CURSOR_MAX 3

#define UTF8_BOM "\xEF\xBB\xBF"
#define INCOMPLETE_ROW "导出未完成：数据库出错，请重新导出 (export incomplete: database error; export again)\r\n"

/* Orders created in [$1, $2] (Asia/Shanghai dates), after the cursor ($3 created_at, $4 id). */
#define RANGE_SQL                                                                                                      \
	"o.created_at >= $1::date::timestamp AT TIME ZONE 'Asia/Shanghai'"                                             \
	" AND o.created_at < ($2::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'"                                   \
	" AND o.created_at >= COALESCE($3::timestamptz, '-infinity')"

static struct db_statement orders_page_statement = DB_STATEMENT("export_orders_page",
    "SELECT o.created_at AS after_created, o.id AS after_order,"
    "       o.work_no, paidan_state_label(o.state), c.name, t.name, cat.name, d.name, tm.name,"
    "       paidan_local_time(o.created_at), paidan_local_time(o.dispatched_at),"
    "       paidan_local_time(o.claimed_at), paidan_local_time(o.accepted_at),"
    "       paidan_local_time(o.started_at), paidan_local_time(o.completed_at),"
    "       paidan_local_time(o.closed_at), paidan_local_time(o.due_at),"
    "       CASE WHEN o.due_at < now() AND o.state NOT IN ('closed', 'rejected', 'cancelled')"
    "            THEN '是' ELSE '否' END,"
    "       CASE WHEN o.escalated_at IS NOT NULL THEN '是' ELSE '否' END,"
    "       o.contact_name, paidan_mask_phone(o.contact_phone), o.address, o.preferred_time,"
    "       o.description, o.reason, o.summary,"
    "       (SELECT sum(s.hours)::numeric(14, 2) FROM service_records s"
    "         WHERE s.order_id = o.id AND paidan_record_counts(s)),"
    "       e.rating, e.comment, paidan_source_label(o.source), eu.display_name"
    "  FROM orders o"
    "  JOIN communities c ON c.id = o.community_id"
    "  JOIN towns t ON t.id = c.town_id"
    "  JOIN categories cat ON cat.id = o.category_id"
    "  LEFT JOIN departments d ON d.id = o.department_id"
    "  LEFT JOIN teams tm ON tm.id = o.team_id"
    "  LEFT JOIN evaluations e ON e.order_id = o.id"
    "  LEFT JOIN users eu ON eu.id = o.entered_by"
    " WHERE " RANGE_SQL
    "   AND (o.created_at, o.id) > (COALESCE($3::timestamptz, '-infinity'), COALESCE($4::bigint, 0))"
    " ORDER BY o.created_at, o.id"
    " LIMIT " STRINGIFY(PAGE_ROWS),
    4);

/* Every service record of those orders, corrections and what they replaced included, marked. */
static struct db_statement hours_page_statement = DB_STATEMENT("export_hours_page",
    "SELECT o.created_at AS after_created, o.id AS after_order, s.id AS after_record,"
    "       v.name, v.volunteer_no, o.work_no, cat.name, c.name,"
    "       to_char(COALESCE(o.completed_at, s.recorded_at) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'),"
    "       s.hours, tm.name, u.display_name, paidan_local_time(s.verified_at),"
    "       CASE WHEN s.status = 'pending' THEN '待确认'"
    "            WHEN paidan_record_counts(s) THEN '有效' ELSE '已被更正（不计）' END,"
    "       s.id, s.corrects_id, s.correction_reason"
    "  FROM orders o"
    "  JOIN service_records s ON s.order_id = o.id"
    "  JOIN volunteers v ON v.id = s.volunteer_id"
    "  JOIN categories cat ON cat.id = o.category_id"
    "  JOIN communities c ON c.id = o.community_id"
    "  JOIN teams tm ON tm.id = s.team_id"
    "  LEFT JOIN users u ON u.id = s.verified_by"
    " WHERE " RANGE_SQL
    "   AND (o.created_at, o.id, s.id) > (COALESCE($3::timestamptz, '-infinity'), COALESCE($4::bigint, 0),"
    "                                    COALESCE($5::bigint, 0))"
    " ORDER BY o.created_at, o.id, s.id"
    " LIMIT " STRINGIFY(PAGE_ROWS),
    5);

struct export_spec {
	const char *name; /* the file name's first word */
	const char *header;
	int columns; /* in the header, and in each row after the cursor */
	struct db_statement *page;
	int cursor_columns; /* the leading columns of a row: the keyset cursor ($3…), not written */
	const char *cursor_names[CURSOR_MAX];
};

static const struct export_spec orders_spec = {
    "orders",
    "工单号,状态,社区,镇,服务类别,部门,服务队,提交时间,派单时间,领单时间,接单时间,开始服务时间,"
    "完成时间,办结时间,截止时间,是否超时,是否督办,联系人,联系电话,地址,期望时间,需求描述,原因,服务小结,"
    "服务时长(小时),评分,评价,来源,代录人员\r\n",
    29,
    &orders_page_statement,
    2,
    {"after_created", "after_order"},
};

static const struct export_spec hours_spec = {
    "hours",
    "志愿者,志愿者编号,工单号,服务类别,地点(社区),服务日期,时长(小时),服务队,确认人,确认时间,状态,"
    "记录编号,更正的记录,更正原因\r\n",
    14,
    &hours_page_statement,
    3,
    {"after_created", "after_order", "after_record"},
};

/* ---- CSV ---- */

void
export_csv_field(struct evbuffer *out, const char *value, size_t len, bool first)
{
	bool quote = false, formula = len > 0 && memchr("=+-@\t\r", value[0], 6) != NULL;
	size_t from = 0;

	for (size_t i = 0; i < len; i++)
		if (value[i] == '"' || value[i] == ',' || value[i] == '\r' || value[i] == '\n')
			quote = true;
	if (!first)
		evbuffer_add(out, ",", 1);
	if (quote)
		evbuffer_add(out, "\"", 1);
	if (formula)
		evbuffer_add(out, "'", 1);
	/* runs up to and including each quote, which is then doubled */
	for (size_t i = 0; i < len; i++)
		if (value[i] == '"') {
			evbuffer_add(out, value + from, i + 1 - from);
			evbuffer_add(out, "\"", 1);
			from = i + 1;
		}
	evbuffer_add(out, value + from, len - from);
	if (quote)
		evbuffer_add(out, "\"", 1);
}

void
export_csv_end_row(struct evbuffer *out)
{
	evbuffer_add(out, "\r\n", 2);
}

/* ---- the stream ---- */

enum export_wait {
	WAIT_DATABASE, /* a page is being fetched: its callback comes whatever happens */
	WAIT_DRAIN, /* the connection is sending what is queued */
	WAIT_RESUME, /* drained; the resume event fetches the next page */
};

struct export_state {
	const struct export_spec *spec;
	struct request *r;
	struct stats_range range;
	char *cursor[CURSOR_MAX];
	struct evbuffer *out; /* the page being written */
	bool started;
	long long rows;
	enum export_wait wait;
	/* Set while the head is out and the client is connected. */
	struct evhttp_connection *connection;
	struct evbuffer *output;
	struct evbuffer_cb_entry *drain; /* WAIT_DRAIN only */
	struct event *resume;
};

static void export_fetch(struct export_state *s);

static void
export_state_free(void *p)
{
	struct export_state *s = p;

	for (int i = 0; i < CURSOR_MAX; i++)
		free(s->cursor[i]);
	evbuffer_free(s->out);
	if (s->resume != NULL)
		event_free(s->resume);
	free(s);
}

/* Ends the reply, which frees the request and s; the log line says how it ended. */
static void
export_finish(struct export_state *s, const char *outcome)
{
	char rows[24];

	if (s->drain != NULL)
		evbuffer_remove_cb_entry(s->output, s->drain);
	s->drain = NULL;
	if (s->connection != NULL)
		evhttp_connection_set_closecb(s->connection, NULL, NULL);
	snprintf(rows, sizeof rows, "%lld", s->rows);
	log_info("export", "request_id", s->r->id, "export", s->spec->name, "outcome", outcome, "rows", rows);
	http_stream_end(s->r);
}

static bool
export_client_gone(const struct export_state *s)
{
	return s->connection == NULL || http_stream_client_gone(s->r);
}

/* The connection is going away (the client left, or the server is shutting down). */
static void
export_connection_closed(struct evhttp_connection *connection, void *arg)
{
	struct export_state *s = arg;

	(void)connection;
	if (s->drain != NULL)
		evbuffer_remove_cb_entry(s->output, s->drain);
	s->drain = NULL;
	s->connection = NULL;
	s->output = NULL;
	if (s->wait != WAIT_DATABASE)
		export_finish(s, "connection_closed");
	/* else the page's callback sees the client gone and finishes. */
}

static void
export_resume(evutil_socket_t fd, short what, void *arg)
{
	struct export_state *s = arg;

	(void)fd;
	(void)what;
	if (export_client_gone(s))
		export_finish(s, "connection_closed");
	else
		export_fetch(s);
}

static void
export_drained(struct evbuffer *buffer, const struct evbuffer_cb_info *info, void *arg)
{
	struct export_state *s = arg;
	struct timeval now = {0, 0};

	(void)info;
	if (s->drain == NULL || evbuffer_get_length(buffer) > LOW_WATER)
		return;
	/* Not from inside the buffer's own callback: the next step goes through the loop. */
	evbuffer_remove_cb_entry(buffer, s->drain);
	s->drain = NULL;
	s->wait = WAIT_RESUME;
	evtimer_add(s->resume, &now);
}

/* Sends the head, the BOM and the header row; false when there is no one to send the rest to. */
static bool
export_begin_stream(struct export_state *s)
{
	struct request *r = s->r;
	char disposition[96];

	snprintf(disposition, sizeof disposition, "attachment; filename=\"%s-%s-%s.csv\"", s->spec->name, s->range.from,
	    s->range.to);
	http_set_header(r, "Content-Disposition", disposition);
	http_stream_start(r, 200, "text/csv; charset=utf-8");
	s->started = true;
	s->connection = evhttp_request_get_connection(r->req);
	if (s->connection == NULL)
		return false;
	evhttp_connection_set_closecb(s->connection, export_connection_closed, s);
	s->output = bufferevent_get_output(evhttp_connection_get_bufferevent(s->connection));
	evbuffer_add(s->out, UTF8_BOM, strlen(UTF8_BOM));
	evbuffer_add(s->out, s->spec->header, strlen(s->spec->header));
	return true;
}

/* Before the head went out the common mapping answers; later only the stream can end. */
static bool
export_page_failed(struct request *r, const struct db_reply *reply)
{
	struct export_state *s = r->state;

	if (!s->started)
		return false;
	log_error("export stopped: database error", "request_id", r->id, "export", s->spec->name, "sqlstate",
	    reply->sqlstate, "reason", reply->message);
	if (!export_client_gone(s))
		http_stream_chunk(r, INCOMPLETE_ROW, strlen(INCOMPLETE_ROW));
	export_finish(s, "database_error");
	return true;
}

static void
export_page_done(struct request *r, const PGresult *res)
{
	struct export_state *s = r->state;
	int rows, last;

	if (PQnfields(res) != s->spec->cursor_columns + s->spec->columns) {
		log_error("export: the statement's columns do not match the header", "request_id", r->id, "export",
		    s->spec->name);
		if (!s->started) {
			api_error_reply(r, API_ERROR_INTERNAL, NULL);
			return;
		}
		export_finish(s, "internal_error");
		return;
	}
	if ((!s->started && !export_begin_stream(s)) || export_client_gone(s)) {
		export_finish(s, "connection_closed");
		return;
	}
	rows = PQntuples(res);
	for (int i = 0; i < rows; i++) {
		for (int col = s->spec->cursor_columns; col < PQnfields(res); col++)
			export_csv_field(s->out, PQgetvalue(res, i, col), (size_t)PQgetlength(res, i, col),
			    col == s->spec->cursor_columns);
		export_csv_end_row(s->out);
	}
	http_stream_chunk(r, (const char *)evbuffer_pullup(s->out, -1), evbuffer_get_length(s->out));
	evbuffer_drain(s->out, evbuffer_get_length(s->out));
	s->rows += rows;
	if (rows < PAGE_ROWS) {
		export_finish(s, "complete");
		return;
	}
	last = rows - 1;
	for (int i = 0; i < s->spec->cursor_columns; i++) {
		free(s->cursor[i]);
		s->cursor[i] = xstrdup(query_cell(res, last, s->spec->cursor_names[i]));
	}
	if (evbuffer_get_length(s->output) > HIGH_WATER) {
		s->wait = WAIT_DRAIN;
		s->drain = evbuffer_add_cb(s->output, export_drained, s);
		return;
	}
	export_fetch(s);
}

static void
export_fetch(struct export_state *s)
{
	struct query q;

	query_start(&q, s->r, s->spec->page);
	query_text(&q, 1, s->range.from);
	query_text(&q, 2, s->range.to);
	for (int i = 0; i < s->spec->cursor_columns; i++)
		query_text(&q, 3 + i, s->cursor[i]);
	s->wait = WAIT_DATABASE;
	query_run(&q, export_page_done, export_page_failed);
}

static void
export_start(struct request *r, const struct export_spec *spec)
{
	struct export_state *s;

	s = http_state_new(r, sizeof *s, export_state_free);
	s->out = evbuffer_new();
	s->spec = spec;
	s->r = r;
	if (!stats_range_from_query(r, &s->range))
		return;
	s->resume = evtimer_new(r->app->base, export_resume, s);
	if (r->method == EVHTTP_REQ_HEAD) {
		/* The head only: evhttp sends no body for HEAD, so nothing is fetched. */
		export_begin_stream(s);
		export_finish(s, "head");
		return;
	}
	export_fetch(s);
}

void
export_orders(struct request *r)
{
	export_start(r, &orders_spec);
}

void
export_hours(struct request *r)
{
	export_start(r, &hours_spec);
}
