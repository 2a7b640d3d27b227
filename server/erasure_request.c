/* erasure_request: a resident asks their community to erase their personal data before the
 * retention period ends. POST /api/v1/orders/{id}/erasure (community, its own orders) erases the
 * name, phone, address and description of a finished order (closed, cancelled or rejected) with one
 * `erase` event in the order's chain that names the worker and the reason; the chain still verifies
 * (it holds only the salted digest of what is erased). The same statement as the sweep's
 * (erasure.c), guarded by the chain head read first. */
#include "erasure_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "db.h"
#include "erasure.h"
#include "http.h"
#include "query.h"
#include "validate.h"
#include "xalloc.h"

static struct db_statement load_statement = DB_STATEMENT("erasure_request_load",
    "SELECT id, tracking_code, state, encode(last_event_hash, 'hex') AS head, event_count, community_id,"
    "       personal_erased_at IS NOT NULL AS erased"
    "  FROM orders WHERE id = $1::bigint",
    1);

static struct db_statement result_statement = DB_STATEMENT("erasure_request_result",
    "SELECT json_build_object('id', id, 'work_no', work_no, 'state', state,"
    "         'personal_erased_at', personal_erased_at)::text AS order"
    "  FROM orders WHERE id = $1::bigint",
    1);

struct erasure_request {
	char *note;
	char id[24];
};

static void
erasure_request_free(void *p)
{
	struct erasure_request *e = p;

	free(e->note);
	free(e);
}

static void
result_rows(struct request *r, const PGresult *res)
{
	query_reply_cell(r, res, "order", 200);
}

static void
erased(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct erasure_request *e = r->state;
	struct query q;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (strcmp(PQcmdTuples((PGresult *)reply->result), "1") != 0) {
		/* The order moved (or another erasure won) between the read and the write. */
		api_error_reply(r, API_ERROR_STATE_CONFLICT, NULL);
		return;
	}
	query_start(&q, r, &result_statement);
	query_text(&q, 1, e->id);
	query_run(&q, result_rows, NULL);
}

static void
loaded(struct request *r, const PGresult *res)
{
	struct erasure_request *e = r->state;
	const char *state;
	struct erasure_order order;

	if (!query_row_in_community(r, res))
		return;
	if (query_cell_bool(res, 0, "erased")) {
		api_error_reply(r, API_ERROR_ALREADY_ERASED, NULL);
		return;
	}
	state = query_cell(res, 0, "state");
	if (strcmp(state, "closed") != 0 && strcmp(state, "cancelled") != 0 && strcmp(state, "rejected") != 0) {
		api_error_reply(r, API_ERROR_NOT_FINISHED, NULL);
		return;
	}
	order = (struct erasure_order){
	    .id = query_cell(res, 0, "id"),
	    .tracking_code = query_cell(res, 0, "tracking_code"),
	    .state = state,
	    .head = query_cell(res, 0, "head"),
	    .event_count = atoi(query_cell(res, 0, "event_count")),
	};
	if (!erasure_erase(r->app, &order, r->user->id, "community", e->note, erased, r))
		api_error_reply(r, API_ERROR_INTERNAL, NULL);
}

void
erasure_request(struct request *r)
{
	struct erasure_request *e = http_state_new(r, sizeof *e, erasure_request_free);
	struct field_errors errors;
	struct json_object *body;
	enum input_kind kind;
	const char *reason;
	size_t len;
	struct query q;

	snprintf(e->id, sizeof e->id, "%s", http_path_param(r, "id"));
	if ((body = http_parse_body(r, false, &kind)) == NULL)
		return;
	field_errors_init(&errors);
	if (validate_text(&errors, body, "reason", 1, 200, TEXT_SINGLE_LINE, &reason, &len)) {
		size_t n =
		    strlen("应居民本人要求提前删除个人信息 (erased early at the resident's request): ") + len + 1;
		e->note = xcalloc(1, n);
		snprintf(e->note, n, "应居民本人要求提前删除个人信息 (erased early at the resident's request): %.*s",
		    (int)len, reason);
	}
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_start(&q, r, &load_statement);
	query_text(&q, 1, e->id);
	query_run(&q, loaded, NULL);
}
