/* honours: the county's starred volunteers and the 优秀科技志愿者 nomination lists with their public
 * notice period (公示). */
#ifndef PAIDAN_HONOURS_H
#define PAIDAN_HONOURS_H

struct request;

/* GET /api/v1/stars?level=&limit=&cursor= — staff: volunteers with a star level of at least level
 * (1–5, default 1) → {items: [{volunteer_id, volunteer_no, name, star_level, verified_hours, teams}],
 * next_cursor}. */
void honours_stars(struct request *r);

/* POST /api/v1/nominations — admin: {title (1–100), entries: [{volunteer_id, reason (1–500)}] (1–50,
 * distinct), notice_working_days? (1–30, default 5), contact? (≤100)}: published now, in notice from
 * today (Beijing) to the notice_working_days-th working day → 201 the list. */
void honours_nominate(struct request *r);

/* GET /api/v1/nominations — anyone: the newest 20 lists with entries (name, volunteer number, teams,
 * verified hours and star level at publication, reason), in_notice while the period runs. */
void honours_list(struct request *r);

/* GET /honours — anyone: the same as a page (公示). */
void honours_page(struct request *r);

#endif
