/* api_error: every error the API answers, as one catalogue — HTTP status, code, Chinese and English
 * words. Reply sites name a row; the clients branch on the same codes (tests/unit/test_api_error.c
 * checks that every code the clients test for is here). Pure data and lookups. */
#ifndef PAIDAN_API_ERROR_H
#define PAIDAN_API_ERROR_H

#include <json-c/json.h>

struct request;

enum api_error {
	/* Requests the engine cannot take. */
	API_ERROR_PATH_INVALID,
	API_ERROR_DUPLICATE_CONTENT_LENGTH,
	API_ERROR_METHOD_NOT_ALLOWED,
	API_ERROR_NOT_FOUND,
	API_ERROR_JSON_INVALID, /* the parser's own words are the message */
	API_ERROR_MEDIA_TYPE_JSON,
	API_ERROR_MEDIA_TYPE_JSON_OR_FORM,
	API_ERROR_PATH_ID_INVALID,
	/* Who is asking. */
	API_ERROR_UNAUTHENTICATED,
	API_ERROR_CSRF_FAILED,
	API_ERROR_ROLE_FORBIDDEN,
	API_ERROR_WRONG_PASSWORD,
	API_ERROR_LOGIN_LOCKED,
	API_ERROR_PHONE_TAIL_LOCKED,
	/* Input. */
	API_ERROR_FIELDS_INVALID,
	API_ERROR_REFERENCE_MISSING,
	API_ERROR_VALUE_REFUSED,
	API_ERROR_IDEMPOTENCY_KEY_INVALID,
	API_ERROR_IDEMPOTENCY_KEY_REUSED,
	API_ERROR_LAST_EVENT_ID_INVALID,
	/* Orders. */
	API_ERROR_NO_SUCH_ORDER,
	API_ERROR_NO_SUCH_TRACKING_CODE,
	API_ERROR_NO_SUCH_ACTION,
	API_ERROR_ORDER_OUT_OF_SCOPE,
	API_ERROR_ORDER_NOT_VISIBLE,
	API_ERROR_ACTION_FORBIDDEN_FOR_ROLE,
	API_ERROR_STATE_CONFLICT,
	API_ERROR_ALREADY_RATED,
	API_ERROR_PHONE_TAIL_WRONG,
	/* Registry, hours, certificates. */
	API_ERROR_NO_SUCH_VOLUNTEER,
	API_ERROR_NO_SUCH_TEAM,
	API_ERROR_NO_SUCH_SERVICE_RECORD,
	API_ERROR_NOT_A_MEMBER,
	API_ERROR_ONLY_OWN_TEAM,
	API_ERROR_ONLY_OWN_TEAM_MEMBERS,
	API_ERROR_VOLUNTEER_NOT_IN_YOUR_TEAM,
	API_ERROR_LEDGER_NOT_YOURS,
	API_ERROR_CERTIFICATE_NOT_YOURS,
	API_ERROR_SEAL_TOO_LARGE,
	API_ERROR_SEAL_NOT_AN_IMAGE,
	API_ERROR_NO_SUCH_SEAL,
	API_ERROR_CHECKIN_NOT_NOW,
	API_ERROR_CHECKIN_REFUSED, /* the check-in module's words are the message */
	API_ERROR_ATTENDANCE_REFUSED, /* the attendance module's words are the message */
	API_ERROR_PHOTO_TOO_LARGE,
	API_ERROR_PHOTO_NOT_JPEG,
	API_ERROR_PHOTO_REFUSED,
	API_ERROR_PHOTOS_FULL,
	API_ERROR_NO_SUCH_PHOTO,
	API_ERROR_ALREADY_CORRECTED,
	API_ERROR_CORRECT_ONLY_VERIFIED,
	API_ERROR_SKILL_CODE_TAKEN,
	API_ERROR_TEAM_NAME_TAKEN,
	API_ERROR_LEAD_NOT_DEMOTABLE,
	API_ERROR_LEAD_CHANGED,
	API_ERROR_LEAD_NOT_REMOVABLE,
	API_ERROR_VOLUNTEER_REGISTERED,
	API_ERROR_USERNAME_TAKEN,
	API_ERROR_ALREADY_EXISTS,
	API_ERROR_IMPORT_TOO_LARGE,
	API_ERROR_IMPORT_MEDIA_TYPE,
	API_ERROR_IMPORT_LINES_BAD, /* the body carries the line-by-line report */
	API_ERROR_IMPORT_CONFLICT,
	/* Notifications and 查我的点单. */
	API_ERROR_NO_SUCH_NOTIFICATION,
	API_ERROR_NOTIFICATION_NOT_FAILED,
	API_ERROR_NO_SUCH_ROBOT,
	API_ERROR_PHONE_CODE_TOO_OFTEN,
	API_ERROR_SMS_UNAVAILABLE,
	/* The server. */
	API_ERROR_DATABASE_UNAVAILABLE,
	API_ERROR_DATABASE_NOT_READY,
	API_ERROR_BUSY,
	API_ERROR_RESTARTING,
	API_ERROR_TOO_MANY_STREAMS,
	API_ERROR_TOO_MANY_STREAMS_FOR_USER,
	API_ERROR_INTERNAL,
	/* Trust: accounts, invitations, resident keys, limits. */
	API_ERROR_NO_SUCH_USER,
	API_ERROR_LAST_ADMIN,
	API_ERROR_WRONG_CURRENT_PASSWORD,
	API_ERROR_TOO_MANY_LOGINS,
	API_ERROR_OPERATORS_ONLY,
	API_ERROR_RESIDENT_KEY_WRONG,
	API_ERROR_NO_SUCH_ACTIVE_TEAM,
	API_ERROR_VOLUNTEER_NUMBER_INVALID,
	API_ERROR_ALREADY_MEMBER_OR_INVITED,
	API_ERROR_INVITE_OWN_TEAM_ONLY,
	API_ERROR_NO_SUCH_INVITATION,
	API_ERROR_RATE_LIMITED,
	API_ERROR_ALREADY_ERASED,
	API_ERROR_NOT_FINISHED,
	/* Clients (issue 15). */
	API_ERROR_STREAM_TOKEN_INVALID,
	/* community operations (issue 14) */
	API_ERROR_ENTER_OWN_COMMUNITY_ONLY,
	API_ERROR_CLAIM_LIMIT,
	API_ERROR_ACCEPT_LIMIT,
	/* the service menu (issue 14 rule 3) */
	API_ERROR_NO_SUCH_SERVICE,
	API_ERROR_PUBLISH_OWN_TEAM_ONLY,
	API_ERROR_SERVICE_WITHDRAWN,
	API_ERROR_SERVICE_CLOSED,
	API_ERROR_COUNT
};

struct api_error_row {
	int status;
	const char *code; /* what clients branch on */
	const char *zh; /* shown to people */
	const char *en;
};

/* The row of e. */
const struct api_error_row *api_error_row(enum api_error e);

/* {"error": {"code", "message": "中文 (English)", "fields"?}}; fields (may be NULL) is taken over. */
struct json_object *api_error_body(enum api_error e, struct json_object *fields);
/* The same with the caller's own message (a parser's problem, a wait time). */
struct json_object *api_error_body_message(enum api_error e, const char *message, struct json_object *fields);

/* Replies the row's status and body; frees r like every reply. */
void api_error_reply(struct request *r, enum api_error e, struct json_object *fields);
void api_error_reply_message(struct request *r, enum api_error e, const char *message, struct json_object *fields);
/* The row with the state the order is in now beside it: {"error": {"code", "message", "state"}}, for
 * an action its state does not allow. */
void api_error_reply_state(struct request *r, enum api_error e, const char *state);

#endif
