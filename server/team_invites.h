/* team_invites: volunteers join teams by consent. A team (its own account, or an admin) invites a
 * volunteer by their volunteer number; the volunteer accepts or declines in their own account; on
 * accepting they become a member (a lead is named by an admin). Handlers run with r->user set. */
#ifndef PAIDAN_TEAM_INVITES_H
#define PAIDAN_TEAM_INVITES_H

struct request;

/* POST /api/v1/teams/{id}/invitations {volunteer_no} (admin; a team account, its own team) → 201
 * {id, team_id, status, created_at}; 409 when already a member or already invited. */
void team_invitations_create(struct request *r);

/* GET /api/v1/invitations (volunteer): their pending invitations, with the team's name. */
void invitations_list(struct request *r);

/* POST /api/v1/invitations/{id}/{answer} (volunteer, their own; answer accept or decline) → 200
 * {id, status}; 404 when not theirs or no longer pending. */
void invitation_answer(struct request *r);

#endif
