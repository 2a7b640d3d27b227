/* robots_api: the group-robot settings, one webhook per community, department or the county office
 * (scope_id 0), set by an admin. The URL's key and the secret are stored and never shown whole. */
#ifndef PAIDAN_ROBOTS_API_H
#define PAIDAN_ROBOTS_API_H

struct request;

/* GET /api/v1/robots: {items: [{scope, scope_id, scope_name, kind, url (masked), secret (masked), has_secret, updated_at}]} */
void robots_list(struct request *r);
/* PUT /api/v1/robots {scope, scope_id, kind: wecom | dingtalk, url (https), secret?}: sets one; without
 * secret the stored one stays. → 200 the robot, masked. */
void robots_put(struct request *r);
/* DELETE /api/v1/robots?scope=&scope_id= → 204, 404 when none. */
void robots_delete(struct request *r);

#endif
