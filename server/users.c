/* users: accounts made by an admin; the password is hashed off the loop, the row made by
 * paidan_user_create (sql/011, sql/057), the one place accounts are made, which appends the admin
 * chain's event. */
#include "users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "offload.h"
#include "order_model.h"
#include "passwords.h"
#include "query.h"
#include "validate.h"
#include "xalloc.h"

static struct db_statement create_user_statement = DB_STATEMENT("users_create",
    "SELECT json_build_object('id', u.id, 'username', u.username, 'display_name', u.display_name,"
    "   'role', u.role, 'community_id', u.community_id, 'department_id', u.department_id,"
    "   'team_id', u.team_id, 'volunteer_id', u.volunteer_id, 'created_at', u.created_at)::text AS account"
    "  FROM paidan_user_create($1, $2, $3, $4, $5, $6, $7, $8, false, $9::bigint, 'admin') u",
    9);

struct new_user {
	char *username, *display_name;
	char role[21];
	char *scope[4]; /* the ids of scope_fields, as text: the statement's $5–$8 */
	char *password;
	char hash[PASSWORD_HASH_MAX];
	bool hashed;
};

static void
new_user_free(void *p)
{
	struct new_user *u = p;

	free(u->username);
	free(u->display_name);
	for (int i = 0; i < 4; i++)
		free(u->scope[i]);
	if (u->password != NULL) {
		sodium_memzero(u->password, strlen(u->password));
		free(u->password);
	}
	free(u);
}

static void
new_user_hash_work(void *arg)
{
	struct new_user *u = ((struct request *)arg)->state;

	u->hashed = password_hash(u->password, u->hash);
}

static bool
username_taken(struct request *r, const struct db_reply *reply)
{
	struct json_object *fields;

	if (reply->status != DB_SQL_ERROR || strcmp(reply->sqlstate, "23505") != 0)
		return false;
	fields = json_object_new_object();
	json_object_object_add(fields, "username", json_object_new_string("已被占用 (already taken)"));
	api_error_reply(r, API_ERROR_USERNAME_TAKEN, fields);
	return true;
}

static void
user_created(struct request *r, const PGresult *res)
{
	query_reply_cell(r, res, "account", 201);
}

static void
create_user_hashed(void *arg)
{
	struct request *r = arg;
	struct new_user *u = r->state;
	struct query q;

	if (!u->hashed) {
		api_error_reply(r, API_ERROR_INTERNAL, NULL);
		return;
	}
	query_start(&q, r, &create_user_statement);
	query_text(&q, 1, u->username);
	query_text(&q, 2, u->hash);
	query_text(&q, 3, u->display_name);
	query_text(&q, 4, u->role);
	for (int i = 0; i < 4; i++)
		query_text(&q, 5 + i, u->scope[i]);
	query_id(&q, 9, r->user->id);
	query_run(&q, user_created, username_taken);
}

static bool
username_valid(const char *s, size_t len)
{
	if (len < 3 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		        s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

static const char *const scope_fields[4] = {"community_id", "department_id", "team_id", "volunteer_id"};
static const enum user_role scope_roles[4] = {ROLE_COMMUNITY, ROLE_DEPARTMENT, ROLE_TEAM, ROLE_VOLUNTEER};

/* body's "role": one of the five account roles; true with *role and name[] set, else the error recorded. */
static bool
read_role(struct json_object *body, struct field_errors *errors, enum user_role *role, char name[21])
{
	const char *text;
	size_t len;

	if (!validate_text(errors, body, "role", 1, 20, TEXT_SINGLE_LINE, &text, &len))
		return false;
	snprintf(name, 21, "%.*s", (int)len, text);
	if (user_role_from_name(name, role) && *role <= ROLE_VOLUNTEER)
		return true;
	field_errors_add(errors, "role", "应为 admin、community、department、team 或 volunteer");
	return false;
}

/* The scope a role needs: its one id field required, the others absent or null. out[i] gets the id of
 * scope_fields[i] as text (owned; free each), NULL for the others. Only when the role is known. */
static void
read_scope(struct json_object *body, enum user_role role, struct field_errors *errors, char *out[4])
{
	for (int i = 0; i < 4; i++) {
		bool needed = role == scope_roles[i];
		struct json_object *v;
		int64_t id;
		char idtext[24];
		out[i] = NULL;
		if (needed && validate_id(errors, body, scope_fields[i], INPUT_JSON, &id)) {
			snprintf(idtext, sizeof idtext, "%lld", (long long)id);
			out[i] = xstrdup(idtext);
		} else if (!needed && json_object_object_get_ex(body, scope_fields[i], &v) &&
		    !json_object_is_type(v, json_type_null)) {
			field_errors_add(errors, scope_fields[i], "此角色不需要这一项 (not used with this role)");
		}
	}
}

void
users_create(struct request *r)
{
	struct field_errors errors;
	struct json_object *body, *pw;
	enum input_kind kind;
	const char *text;
	size_t len;
	enum user_role role = ROLE_ADMIN;
	bool role_ok = false;
	struct new_user *u;

	body = http_parse_body(r, false, &kind);
	if (body == NULL)
		return;
	u = xcalloc(1, sizeof *u);
	r->state = u;
	r->state_free = new_user_free;
	field_errors_init(&errors);
	if (validate_text(&errors, body, "username", 1, 64, TEXT_SINGLE_LINE, &text, &len)) {
		if (username_valid(text, len))
			u->username = xstrndup(text, len);
		else
			field_errors_add(
			    &errors, "username", "3 到 64 个字母、数字或 _ . - (3 to 64 letters, digits, _ . -)");
	}
	if (validate_text(&errors, body, "display_name", 1, 100, TEXT_SINGLE_LINE, &text, &len))
		u->display_name = xstrndup(text, len);
	role_ok = read_role(body, &errors, &role, u->role);
	if (!json_object_object_get_ex(body, "password", &pw) || !json_object_is_type(pw, json_type_string)) {
		field_errors_add(&errors, "password", "必填 (required)");
	} else {
		const char *p = json_object_get_string(pw);
		size_t plen = (size_t)json_object_get_string_len(pw);
		if (strlen(p) != plen || plen < PASSWORD_MIN_LEN || plen > PASSWORD_MAX_LEN)
			field_errors_add(&errors, "password", "8 到 128 个字符 (8 to 128 characters)");
		else
			u->password = xstrdup(p);
	}
	if (role_ok)
		read_scope(body, role, &errors, u->scope);
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return;
	/* The hashing threads' queue is bounded: past it, 503 rather than an ever longer wait. */
	if (!offload_run(r->app->offload, new_user_hash_work, create_user_hashed, r)) {
		http_set_header(r, "Retry-After", "1");
		api_error_reply(r, API_ERROR_BUSY, NULL);
	}
}

/* Disabling ends every session of the account (its live streams with them, sql/055) and appends the
 * admin chain's event, in one call under the admin chain's lock (sql/090), which also keeps the last
 * active admin; setting what is already set changes nothing and appends nothing. */
static struct db_statement disable_statement = DB_STATEMENT("users_disable",
    "SELECT json_build_object('id', x.id, 'username', x.username, 'display_name', x.display_name,"
    "         'role', x.role, 'disabled', x.disabled)::text AS account"
    "  FROM paidan_user_set_disabled($1::bigint, $2::boolean, $3::bigint) x",
    3);

/* The account as the statement answered it; no row: no such account. */
static void
disable_rows(struct request *r, const PGresult *res)
{
	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_USER, NULL);
		return;
	}
	query_reply_cell(r, res, "account", 200);
}

/* A role change (sql/090: last-admin guard, sessions ended, the admin chain's event, in one call). */
static struct db_statement role_statement = DB_STATEMENT("users_set_role",
    "SELECT json_build_object('id', u.id, 'username', u.username, 'display_name', u.display_name,"
    "         'role', u.role, 'community_id', u.community_id, 'department_id', u.department_id,"
    "         'team_id', u.team_id, 'volunteer_id', u.volunteer_id, 'disabled', u.disabled)::text AS account"
    "  FROM paidan_user_set_role($1::bigint, $2::text, $3::bigint, $4::bigint, $5::bigint, $6::bigint,"
    "                            $7::bigint) u",
    7);

/* The last active admin keeps the role and stays enabled: PD409 naming "role" or "disabled". */
static bool
last_admin_refused(struct request *r, const struct db_reply *reply)
{
	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "PD409") == 0 &&
	    (strcmp(reply->message, "role") == 0 || strcmp(reply->message, "disabled") == 0)) {
		api_reply_field(r, API_ERROR_LAST_ADMIN, reply->message,
		    "这是最后一位在用的管理员，请先让另一个账号成为管理员 (make another account an admin first)");
		return true;
	}
	return false;
}

/* PATCH {role, scope}: the checks of account creation (read_role, read_scope), then one call. */
static void
update_role(struct request *r, struct json_object *body, int64_t id)
{
	struct field_errors errors;
	enum user_role role;
	char name[21], *scope[4] = {NULL, NULL, NULL, NULL};
	struct query q;

	field_errors_init(&errors);
	if (json_object_object_get_ex(body, "disabled", NULL))
		field_errors_add(&errors, "disabled", "角色和停用请分开修改 (change the role and disabled separately)");
	if (read_role(body, &errors, &role, name))
		read_scope(body, role, &errors, scope);
	if (api_reply_if_field_errors(r, &errors)) {
		for (int i = 0; i < 4; i++)
			free(scope[i]);
		return;
	}
	query_start(&q, r, &role_statement);
	query_id(&q, 1, id);
	query_text(&q, 2, http_strdup(r, name));
	for (int i = 0; i < 4; i++) {
		query_text(&q, 3 + i, scope[i] != NULL ? http_strdup(r, scope[i]) : NULL);
		free(scope[i]);
	}
	query_id(&q, 7, r->user->id);
	query_run(&q, disable_rows, last_admin_refused);
}

void
users_update(struct request *r)
{
	struct field_errors errors;
	struct json_object *body, *v;
	enum input_kind kind;
	int64_t id = atoll(http_path_param(r, "id"));
	bool disabled = false;
	struct query q;

	if ((body = http_parse_body(r, false, &kind)) == NULL)
		return;
	if (json_object_object_get_ex(body, "role", NULL)) {
		update_role(r, body, id);
		json_object_put(body);
		return;
	}
	field_errors_init(&errors);
	if (!json_object_object_get_ex(body, "disabled", &v) || !json_object_is_type(v, json_type_boolean))
		field_errors_add(&errors, "disabled", "应为 true 或 false (true or false)");
	else
		disabled = json_object_get_boolean(v);
	json_object_put(body);
	if (disabled && id == r->user->id)
		field_errors_add(&errors, "disabled", "不能停用自己的账号 (you cannot disable your own account)");
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_start(&q, r, &disable_statement);
	query_id(&q, 1, id);
	query_bool(&q, 2, disabled);
	query_id(&q, 3, r->user->id);
	query_run(&q, disable_rows, last_admin_refused);
}
