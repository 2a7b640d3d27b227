/* accounts: the administrator's list of accounts (made, changed and disabled by users.c). */
#ifndef PAIDAN_ACCOUNTS_H
#define PAIDAN_ACCOUNTS_H

struct request;

/* GET /api/v1/users?q=&role=&disabled=&limit=&cursor= (admin): {items, next_cursor}. */
void accounts_list(struct request *r);

#endif
