/* api_reply: the application's answers built on the engine's replies — field errors, database
 * failures mapped to HTTP in one place, and a statement's JSON cell as the body. */
#ifndef PAIDAN_API_REPLY_H
#define PAIDAN_API_REPLY_H

#include <stdbool.h>

#include "api_error.h"

struct request;
struct db_reply;
struct field_errors;

/* 422 validation_failed with the collected field errors (taken from errors). */
void api_reply_field_errors(struct request *r, struct field_errors *errors);
/* When errors holds any, replies as api_reply_field_errors and returns true; frees errors either way. */
bool api_reply_if_field_errors(struct request *r, struct field_errors *errors);
/* The catalogue's error with one field's message: {"fields": {field: message}}. */
void api_reply_field(struct request *r, enum api_error error, const char *field, const char *message);
/* Maps a failed database reply to 503/409/422/500 (SQLSTATEs are mapped here only). */
void api_reply_db_error(struct request *r, const struct db_reply *reply);

#endif
