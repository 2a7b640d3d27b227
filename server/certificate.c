/* certificate: 志愿服务记录证明. Issuing freezes the ledger into the certificate row (numbered
 * gaplessly per year) so the verify page shows exactly what was certified, even after corrections.
 * The same verified records give the same certificate: asking again returns it (and records who
 * asked); only a new verified record gives a new number. */
#include "certificate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "certificate_page.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "query.h"
#include "tracking_code.h"
#include "xalloc.h"

#define VERIFY_CODE_LEN 12

/* $1 volunteer, $2 role, $3 scope, $4 a fresh verify code, $5 the user asking, $6 issuer,
 * $7 handler, $8 handler's contact. A concurrent first ask for the same records loses on the
 * unique index certificates_records_key and is retried: it then finds the winner's certificate. */
static struct db_statement issue_statement = DB_STATEMENT("certificate_issue",
    "WITH vis AS ("
    "  SELECT EXISTS (SELECT 1 FROM volunteers WHERE id = $1::bigint) AS found,"
    "         paidan_certificate_may_issue($1::bigint, $2::text, $3::bigint) AS ok"
    "), k AS (SELECT paidan_records_key($1::bigint) AS key), existing AS ("
    "  SELECT c.id, c.number, c.verify_code, c.issued_at, c.content, c.seal_id FROM certificates c, k, vis"
    "   WHERE vis.found AND vis.ok AND c.volunteer_id = $1::bigint AND c.records_key = k.key"
    "), counter AS ("
    "  INSERT INTO certificate_counters (year, last)"
    "  SELECT extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int, 1 FROM vis"
    "   WHERE found AND ok AND NOT EXISTS (SELECT 1 FROM existing)"
    "  ON CONFLICT (year) DO UPDATE SET last = certificate_counters.last + 1"
    "  RETURNING year, last"
    "), ledger AS (SELECT paidan_ledger_json($1::bigint) AS j), cert AS ("
    "  INSERT INTO certificates (number, verify_code, volunteer_id, issued_by, total_hours, content,"
    "                            records_key, seal_id)"
    "  SELECT format('%s-%s', c.year, lpad(c.last::text, 6, '0')), $4::text, $1::bigint, $5::bigint,"
    "         (l.j->>'total')::numeric,"
    "         l.j || jsonb_build_object('issuer', $6::text, 'handled_by', $7::text, 'handler_contact', $8::text,"
    "                                   'star_level', paidan_star_level((l.j->>'total')::numeric)),"
    "         k.key, (SELECT max(id) FROM certificate_seals)"
    "    FROM counter c, ledger l, k"
    "  RETURNING id, number, verify_code, issued_at, content, seal_id, volunteer_id, total_hours"
    "), chosen AS ("
    "  SELECT id, number, verify_code, issued_at, content, seal_id, true AS new FROM cert"
    "  UNION ALL SELECT id, number, verify_code, issued_at, content, seal_id, false FROM existing"
    "), picked AS ("
    "  SELECT ch.*, COALESCE(c.volunteer_id, x.volunteer_id) AS volunteer_id,"
    "         COALESCE(c.total_hours, x.total_hours) AS total_hours"
    "    FROM chosen ch LEFT JOIN cert c ON c.id = ch.id LEFT JOIN certificates x ON x.id = ch.id"
    "), chain AS ("
    /* The ask is the chain's next link; a concurrent ask waits on the head row, then links to it. */
    "  UPDATE certificate_chain h SET seq = h.seq + 1,"
    "         hash = sha256(h.hash || convert_to(paidan_certificate_link_text(h.seq + 1, f.id, f.number,"
    "                f.verify_code, f.volunteer_id, f.total_hours, f.content, f.seal_id, $5::bigint, f.new, now()),"
    "                'UTF8'))"
    "    FROM picked f WHERE h.id = 1"
    "  RETURNING h.seq, h.hash"
    "), asked AS ("
    "  INSERT INTO certificate_requests (certificate_id, requested_by, issued_new, requested_at, chain_seq, chain_hash)"
    "  SELECT f.id, $5::bigint, f.new, now(), chain.seq, chain.hash FROM picked f, chain"
    ")"
    "SELECT vis.found, vis.ok, chosen.number, chosen.verify_code,"
    "       to_char(chosen.issued_at AT TIME ZONE 'Asia/Shanghai', 'YYYY\"年\"FMMM\"月\"FMDD\"日\"') AS issued,"
    "       chosen.content::text AS content, chosen.seal_id, chosen.new,"
    "       to_char(chosen.issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS issued_at"
    "  FROM vis LEFT JOIN chosen ON true",
    8);

static struct db_statement find_statement = DB_STATEMENT("certificate_find",
    "SELECT number, verify_code,"
    "       to_char(issued_at AT TIME ZONE 'Asia/Shanghai', 'YYYY\"年\"FMMM\"月\"FMDD\"日\"') AS issued,"
    "       content::text AS content, seal_id"
    "  FROM certificates WHERE verify_code = $1",
    1);

enum issue_reply { ISSUE_HTML, ISSUE_JSON };

struct issue_state {
	enum issue_reply reply;
	int attempts;
};

/* The address people reach this server at (--public-url), without a trailing slash. Never the
 * request's Host: a QR code on a certificate must not carry what a client made up. */
static void
public_base(const struct request *r, char *out, size_t size)
{
	size_t n;

	snprintf(out, size, "%s", r->app->cfg->public_url != NULL ? r->app->cfg->public_url : "");
	n = strlen(out);
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
}

/* Renders the certificate from row 0's number, verify_code, issued (the date), content, seal_id. */
static char *
page_from_row(struct request *r, const PGresult *res, bool verify_banner)
{
	char base[256], verify_url[320], seal_url[48];
	const char *seal = query_cell(res, 0, "seal_id");
	struct certificate_view view = {
	    .number = query_cell(res, 0, "number"),
	    .verify_code = query_cell(res, 0, "verify_code"),
	    .issued = query_cell(res, 0, "issued"),
	    .content_json = query_cell(res, 0, "content"),
	    .verify_url = verify_url,
	    .seal_url = NULL,
	    .verify_banner = verify_banner,
	};

	public_base(r, base, sizeof base);
	snprintf(verify_url, sizeof verify_url, "%s/verify/%s", base, view.verify_code);
	if (seal != NULL) {
		snprintf(seal_url, sizeof seal_url, "/seals/%s", seal);
		view.seal_url = seal_url;
	}
	return certificate_page(&view);
}

static void issue_send(struct request *r);

/* A concurrent first ask for the same records (or a verify code drawn twice): asked again, twice at most. */
static bool
issue_refused(struct request *r, const struct db_reply *reply)
{
	struct issue_state *s = r->state;

	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "23505") == 0 &&
	    (strstr(reply->constraint, "verify_code") != NULL || strstr(reply->constraint, "records_key") != NULL) &&
	    ++s->attempts < 3) {
		issue_send(r);
		return true;
	}
	return false;
}

static void
issue_done(struct request *r, const PGresult *res)
{
	struct issue_state *s = r->state;

	if (!query_cell_bool(res, 0, "found")) {
		api_error_reply(r, API_ERROR_NO_SUCH_VOLUNTEER, NULL);
		return;
	}
	if (!query_cell_bool(res, 0, "ok")) {
		api_error_reply(r, API_ERROR_CERTIFICATE_NOT_YOURS, NULL);
		return;
	}
	char location[64], base[256], verify_url[320];
	const char *code = query_cell(res, 0, "verify_code"), *number = query_cell(res, 0, "number");
	bool issued_new = query_cell_bool(res, 0, "new");

	snprintf(location, sizeof location, "/certificates/%s", code);
	if (s->reply == ISSUE_JSON) {
		struct json_object *body = json_object_new_object(),
		                   *content = json_tokener_parse(query_cell(res, 0, "content"));
		struct json_object *v;

		public_base(r, base, sizeof base);
		snprintf(verify_url, sizeof verify_url, "%s/verify/%s", base, code);
		json_object_object_add(body, "number", json_object_new_string(number));
		json_object_object_add(body, "verify_code", json_object_new_string(code));
		json_object_object_add(body, "url", json_object_new_string(location));
		json_object_object_add(body, "verify_url", json_object_new_string(verify_url));
		json_object_object_add(body, "issued_at", json_object_new_string(query_cell(res, 0, "issued_at")));
		json_object_object_add(body, "new", json_object_new_boolean(issued_new));
		if (content != NULL && json_object_object_get_ex(content, "total", &v))
			json_object_object_add(body, "total_hours", json_object_get(v));
		if (content != NULL && json_object_object_get_ex(content, "star_level", &v))
			json_object_object_add(body, "star_level", json_object_get(v));
		json_object_put(content);
		http_set_header(r, "Location", location);
		http_reply_json(r, issued_new ? 201 : 200, body);
		return;
	}
	char *page = page_from_row(r, res, false);
	http_set_header(r, "X-Certificate-Number", number);
	http_set_header(r, "X-Verify-Code", code);
	http_set_header(r, "Content-Location", location);
	http_reply_html(r, 200, page, strlen(page));
	free(page);
}

static void
issue_send(struct request *r)
{
	const struct config *cfg = r->app->cfg;
	char code[VERIFY_CODE_LEN + 1];
	struct query q;

	for (int i = 0; i < VERIFY_CODE_LEN; i++)
		code[i] = TRACKING_CODE_ALPHABET[randombytes_uniform(sizeof TRACKING_CODE_ALPHABET - 1)];
	code[VERIFY_CODE_LEN] = '\0';
	query_start_scoped(&q, r, &issue_statement);
	query_text(&q, 4, code);
	query_id(&q, 5, r->user->id);
	query_text(&q, 6, cfg->issuer);
	query_text(&q, 7, cfg->certificate_handler != NULL ? cfg->certificate_handler : "");
	query_text(&q, 8, cfg->certificate_contact != NULL ? cfg->certificate_contact : "");
	query_run(&q, issue_done, issue_refused);
}

static void
issue_start(struct request *r, enum issue_reply kind)
{
	struct issue_state *s = http_state_new(r, sizeof *s, NULL);

	s->reply = kind;
	issue_send(r);
}

static void
issue_html_authenticated(struct request *r)
{
	issue_start(r, ISSUE_HTML);
}

static void
issue_json_authenticated(struct request *r)
{
	issue_start(r, ISSUE_JSON);
}

void
certificate_issue(struct request *r)
{
	issue_html_authenticated(r);
}

void
certificate_issue_json(struct request *r)
{
	issue_json_authenticated(r);
}

/* A typed code: same alphabet as tracking codes; spaces, dashes and lower case are forgiven.
 * Returns false when it cannot be a code. */
static bool
normalise_code(const char *given, char code[VERIFY_CODE_LEN + 1])
{
	size_t n = 0;

	for (const char *p = given; *p; p++) {
		char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
		if (c == ' ' || c == '-')
			continue;
		if (strchr(TRACKING_CODE_ALPHABET, c) == NULL || n == VERIFY_CODE_LEN)
			return false;
		code[n++] = c;
	}
	code[n] = '\0';
	return n == VERIFY_CODE_LEN;
}

struct lookup_state {
	char *given;
	bool verify_banner;
};

static void
lookup_state_free(void *p)
{
	struct lookup_state *s = p;

	free(s->given);
	free(s);
}

static void
reply_not_found(struct request *r, const char *given)
{
	char shown[48];
	char *page;

	/* What was typed, cut short (on a character boundary) so the page stays small. */
	size_t n = strlen(given);
	if (n > 40) {
		n = 40;
		while (n > 0 && ((unsigned char)given[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(shown, given, n);
	shown[n] = '\0';
	page = certificate_verify_form(shown);
	http_reply_html(r, 404, page, strlen(page));
	free(page);
}

static void
lookup_done(struct request *r, const PGresult *res)
{
	struct lookup_state *s = r->state;
	char *page;

	if (PQntuples(res) == 0) {
		reply_not_found(r, s->given);
		return;
	}
	page = page_from_row(r, res, s->verify_banner);
	http_reply_html(r, 200, page, strlen(page));
	free(page);
}

static void
lookup(struct request *r, const char *given, bool verify_banner)
{
	struct lookup_state *s = http_state_new(r, sizeof *s, lookup_state_free);
	char code[VERIFY_CODE_LEN + 1];
	struct query q;

	s->given = xstrdup(given);
	s->verify_banner = verify_banner;
	if (!normalise_code(given, code)) {
		reply_not_found(r, given);
		return;
	}
	query_start(&q, r, &find_statement);
	query_text(&q, 1, code);
	query_run(&q, lookup_done, NULL);
}

void
certificate_verify(struct request *r)
{
	lookup(r, route_param(&r->match, "code"), true);
}

void
certificate_verify_form_get(struct request *r)
{
	const char *code = http_query_param(r, "code");
	char *page;

	if (code != NULL && *code != '\0') {
		lookup(r, code, true);
		return;
	}
	page = certificate_verify_form(NULL);
	http_reply_html(r, 200, page, strlen(page));
	free(page);
}

void
certificate_show(struct request *r)
{
	lookup(r, route_param(&r->match, "code"), false);
}
