/* api_error: the catalogue. Messages are "中文 (English)"; the Chinese is what people read. */
#include "api_error.h"

#include <stdio.h>

#include "http.h"

static const struct api_error_row rows[API_ERROR_COUNT] = {
    [API_ERROR_PATH_INVALID] = {400, "invalid_path", "路径无效", "invalid path"},
    [API_ERROR_DUPLICATE_CONTENT_LENGTH] = {400, "bad_request", "重复的 Content-Length", "duplicate Content-Length"},
    [API_ERROR_METHOD_NOT_ALLOWED] = {405, "method_not_allowed", "不支持该请求方法", "method not allowed"},
    [API_ERROR_NOT_FOUND] = {404, "not_found", "没有这个地址", "not found"},
    [API_ERROR_JSON_INVALID] = {400, "invalid_json", "内容不是有效的 JSON", "the body is not valid JSON"},
    [API_ERROR_MEDIA_TYPE_JSON] = {415, "unsupported_media_type", "请以 application/json 格式提交",
        "send application/json"},
    [API_ERROR_MEDIA_TYPE_JSON_OR_FORM] = {415, "unsupported_media_type", "请以 application/json 或表单格式提交",
        "send application/json or a form"},
    [API_ERROR_PATH_ID_INVALID] = {400, "invalid_parameter", "路径中的编号无效", "invalid id in the path"},
    [API_ERROR_UNAUTHENTICATED] = {401, "unauthenticated", "请先登录", "please log in"},
    [API_ERROR_CSRF_FAILED] = {403, "csrf_failed", "页面已过期，请刷新后再试",
        "missing or wrong X-CSRF-Token; reload the page"},
    [API_ERROR_ROLE_FORBIDDEN] = {403, "forbidden", "您的账号无权进行此操作", "your role may not do this"},
    [API_ERROR_WRONG_PASSWORD] = {401, "invalid_credentials", "用户名或密码不正确", "wrong username or password"},
    [API_ERROR_LOGIN_LOCKED] = {429, "too_many_attempts", "密码错误次数过多，请 15 分钟后再试",
        "too many failed logins; try again in 15 minutes"},
    [API_ERROR_PHONE_TAIL_LOCKED] = {429, "too_many_attempts", "手机号后四位错误次数过多，请 15 分钟后再试",
        "too many wrong attempts; try again in 15 minutes"},
    [API_ERROR_FIELDS_INVALID] = {422, "validation_failed", "请检查标出的项目", "some fields need fixing"},
    [API_ERROR_REFERENCE_MISSING] = {422, "validation_failed", "引用的记录不存在",
        "a referenced record does not exist"},
    [API_ERROR_VALUE_REFUSED] = {422, "validation_failed", "数据不符合要求", "a value was refused"},
    [API_ERROR_IDEMPOTENCY_KEY_INVALID] = {400, "invalid_header", "Idempotency-Key 无效", "invalid Idempotency-Key"},
    [API_ERROR_IDEMPOTENCY_KEY_REUSED] = {422, "idempotency_key_reused", "同一个 Idempotency-Key 不能用于不同的内容",
        "the key was already used with a different body"},
    [API_ERROR_LAST_EVENT_ID_INVALID] = {400, "invalid_header", "Last-Event-ID 无效", "invalid Last-Event-ID"},
    [API_ERROR_NO_SUCH_ORDER] = {404, "not_found", "没有这个工单", "no such work order"},
    [API_ERROR_NO_SUCH_TRACKING_CODE] = {404, "not_found", "查询码不对，请核对", "no order with this code"},
    [API_ERROR_NO_SUCH_ACTION] = {404, "not_found", "没有这个操作", "no such action"},
    [API_ERROR_ORDER_OUT_OF_SCOPE] = {403, "forbidden", "这个工单不归您处理", "this work order is not in your scope"},
    [API_ERROR_ORDER_NOT_VISIBLE] = {403, "forbidden", "您无权查看这个工单", "this work order is not in your scope"},
    [API_ERROR_ACTION_FORBIDDEN_FOR_ROLE] = {403, "forbidden", "您的账号不能进行这一操作",
        "your role may not take this action"},
    [API_ERROR_STATE_CONFLICT] = {409, "state_conflict", "这个工单的状态已经变了，请刷新",
        "the work order has moved on; reload it"},
    [API_ERROR_ALREADY_RATED] = {409, "already_rated", "已经评价过了", "already rated"},
    [API_ERROR_PHONE_TAIL_WRONG] = {403, "forbidden", "手机号后四位不对", "the phone digits do not match"},
    [API_ERROR_NO_SUCH_VOLUNTEER] = {404, "not_found", "没有这名志愿者", "no such volunteer"},
    [API_ERROR_NO_SUCH_TEAM] = {404, "not_found", "没有这支队伍", "no such team"},
    [API_ERROR_NO_SUCH_SERVICE_RECORD] = {404, "not_found", "没有这条服务记录", "no such service record"},
    [API_ERROR_NOT_A_MEMBER] = {404, "not_found", "这名志愿者不是这支队伍的队员", "not a member of this team"},
    [API_ERROR_ONLY_OWN_TEAM] = {403, "forbidden", "只能查看和管理本队", "only your own team"},
    [API_ERROR_ONLY_OWN_TEAM_MEMBERS] = {403, "forbidden", "只能查看本队的队员", "only your own team's members"},
    [API_ERROR_VOLUNTEER_NOT_IN_YOUR_TEAM] = {403, "forbidden", "这名志愿者不是您队伍的队员",
        "not a member of your team"},
    [API_ERROR_LEDGER_NOT_YOURS] = {403, "forbidden", "您无权查看这名志愿者的记录", "not your record"},
    [API_ERROR_CERTIFICATE_NOT_YOURS] = {403, "forbidden", "您无权为这名志愿者开具证明", "not your record"},
    [API_ERROR_SEAL_TOO_LARGE] = {413, "too_large", "印章图片不能超过 512 KiB", "the seal image is too large"},
    [API_ERROR_SEAL_NOT_AN_IMAGE] = {415, "unsupported_media_type", "印章须为 PNG 或 JPEG 图片",
        "the seal must be a PNG or JPEG image"},
    [API_ERROR_NO_SUCH_SEAL] = {404, "not_found", "没有这枚印章", "no such seal"},
    [API_ERROR_CHECKIN_NOT_NOW] = {409, "state_conflict", "服务队接单后、开始服务前才有签到码",
        "a check-in code exists only once accepted and until started"},
    [API_ERROR_CHECKIN_REFUSED] = {422, "validation_failed", "签到码未通过核验", "the check-in code was refused"},
    [API_ERROR_PHOTO_TOO_LARGE] = {413, "too_large", "照片不能超过 2 MiB", "the photo is larger than 2 MiB"},
    [API_ERROR_PHOTO_NOT_JPEG] = {415, "unsupported_media_type", "照片须为 JPEG 图片",
        "the photo must be a JPEG image"},
    [API_ERROR_PHOTO_REFUSED] = {422, "validation_failed", "照片未被接受", "the photo was refused"},
    [API_ERROR_PHOTOS_FULL] = {409, "conflict", "每一单最多 6 张照片", "at most 6 photos per order"},
    [API_ERROR_NO_SUCH_PHOTO] = {404, "not_found", "没有这张照片", "no such photo"},
    [API_ERROR_ATTENDANCE_REFUSED] = {422, "validation_failed", "签到或签退未被接受",
        "the sign-in or sign-out was refused"},
    [API_ERROR_ALREADY_CORRECTED] = {409, "conflict", "这条记录已被更正过，请更正最新的一条",
        "already corrected; correct the newest record"},
    [API_ERROR_CORRECT_ONLY_VERIFIED] = {409, "conflict", "只能更正已确认的记录",
        "only verified records are corrected"},
    [API_ERROR_SKILL_CODE_TAKEN] = {409, "conflict", "技能代码已存在", "the skill code exists"},
    [API_ERROR_TEAM_NAME_TAKEN] = {409, "conflict", "队伍名称已存在", "a team has this name"},
    [API_ERROR_LEAD_NOT_DEMOTABLE] = {409, "conflict", "队长不能直接改为队员，请先指定新队长", "name a new lead first"},
    [API_ERROR_LEAD_CHANGED] = {409, "conflict", "队长刚被别人更换，请刷新后再试",
        "the lead just changed; reload and retry"},
    [API_ERROR_LEAD_NOT_REMOVABLE] = {409, "conflict", "队长不能移出队伍，请先指定新队长",
        "name a new lead before removing this one"},
    [API_ERROR_VOLUNTEER_REGISTERED] = {409, "conflict", "志愿者已登记", "already registered"},
    [API_ERROR_USERNAME_TAKEN] = {409, "conflict", "用户名已存在", "the username is taken"},
    [API_ERROR_ALREADY_EXISTS] = {409, "conflict", "记录已存在", "already exists"},
    [API_ERROR_IMPORT_TOO_LARGE] = {413, "too_large", "导入文件不能超过 256 KiB，请分成几个文件",
        "the import file is larger than 256 KiB; split it"},
    [API_ERROR_IMPORT_MEDIA_TYPE] = {415, "unsupported_media_type", "导入文件须为 CSV (text/csv)",
        "the import file must be CSV (text/csv)"},
    [API_ERROR_IMPORT_LINES_BAD] = {422, "validation_failed", "文件中有需要改正的行，没有导入任何一行",
        "some lines need fixing; nothing was imported"},
    [API_ERROR_IMPORT_CONFLICT] = {409, "conflict", "导入时登记册有了变化，没有导入任何一行，请重新上传",
        "the register changed during the import; nothing was imported, upload again"},
    [API_ERROR_DATABASE_UNAVAILABLE] = {503, "database_unavailable", "系统暂时无法使用，请稍后再试",
        "the database is unavailable; try again shortly"},
    [API_ERROR_DATABASE_NOT_READY] = {503, "database_unavailable", "数据库暂时无法连接", "the database is unavailable"},
    [API_ERROR_NO_SUCH_NOTIFICATION] = {404, "not_found", "没有这条通知", "no such notification"},
    [API_ERROR_NOTIFICATION_NOT_FAILED] = {409, "conflict", "只有发送失败的通知可以重发",
        "only a failed notification can be resent"},
    [API_ERROR_NO_SUCH_ROBOT] = {404, "not_found", "没有设置这个机器人", "no robot set there"},
    [API_ERROR_PHONE_CODE_TOO_OFTEN] = {429, "too_many_attempts", "验证码每分钟只能获取一次、每天最多五次，请稍后再试",
        "one code a minute and five a day per phone"},
    [API_ERROR_SMS_UNAVAILABLE] = {503, "busy", "短信暂时发不出去，请稍后再试",
        "the SMS could not be sent; try again later"},
    [API_ERROR_BUSY] = {503, "busy", "系统繁忙，请稍后再试", "busy; try again shortly"},
    [API_ERROR_RESTARTING] = {503, "busy", "服务正在重启", "restarting"},
    [API_ERROR_TOO_MANY_STREAMS] = {503, "busy", "连接太多，请稍后再试", "too many live connections"},
    [API_ERROR_TOO_MANY_STREAMS_FOR_USER] = {503, "busy", "此账号打开的实时连接太多，请关闭不用的页面",
        "too many live connections for this account"},
    [API_ERROR_INTERNAL] = {500, "internal_error", "服务器内部错误", "internal error"},
    [API_ERROR_NO_SUCH_USER] = {404, "not_found", "没有这个账号", "no such user"},
    [API_ERROR_LAST_ADMIN] = {409, "conflict", "不能撤下最后一位在用的管理员", "the last active admin keeps the role"},
    [API_ERROR_WRONG_CURRENT_PASSWORD] = {403, "forbidden", "当前密码不正确", "the current password is wrong"},
    [API_ERROR_TOO_MANY_LOGINS] = {503, "busy", "登录的人太多了，请稍后再试",
        "too many logins at once; try again shortly"},
    [API_ERROR_OPERATORS_ONLY] = {403, "forbidden", "只对运维开放", "operators only"},
    [API_ERROR_RESIDENT_KEY_WRONG] = {403, "forbidden", "办理密钥不对", "the resident key does not match this order"},
    [API_ERROR_NO_SUCH_ACTIVE_TEAM] = {404, "not_found", "没有这支在册的服务队", "no such active team"},
    [API_ERROR_VOLUNTEER_NUMBER_INVALID] = {422, "validation_failed", "请检查志愿者编号", "check the volunteer number"},
    [API_ERROR_ALREADY_MEMBER_OR_INVITED] = {409, "conflict", "已是队员，或已邀请过、正等对方答复",
        "already a member, or already invited"},
    [API_ERROR_INVITE_OWN_TEAM_ONLY] = {403, "forbidden", "只能邀请人加入本队", "only into your own team"},
    [API_ERROR_NO_SUCH_INVITATION] = {404, "not_found", "没有等您答复的这份邀请", "no such pending invitation"},
    [API_ERROR_RATE_LIMITED] = {429, "too_many_attempts", "尝试次数过多，请稍后再试",
        "too many attempts; try again later"},
    [API_ERROR_ALREADY_ERASED] = {409, "conflict", "这一单的个人信息已经删除了", "its personal data is already erased"},
    [API_ERROR_NOT_FINISHED] = {409, "state_conflict", "这一单还没有办结，办结或取消后才能删除个人信息",
        "the order is not finished; erase it once closed or cancelled"},
    [API_ERROR_STREAM_TOKEN_INVALID] = {401, "unauthenticated", "实时更新已断开，请刷新页面",
        "the stream token is missing, wrong or expired; get a new one"},
    [API_ERROR_ENTER_OWN_COMMUNITY_ONLY] = {403, "forbidden", "只能为本社区的居民代点单",
        "you enter orders for your own community only"},
    [API_ERROR_CLAIM_LIMIT] = {409, "limit_reached", "本部门已领取但尚未派给服务队的工单达到上限，请先派出再领单",
        "your department holds as many claimed, not yet offered orders as it may; offer some first"},
    [API_ERROR_ACCEPT_LIMIT] = {409, "limit_reached", "本队已接但尚未完成的工单达到上限，请先完成再接单",
        "your team holds as many accepted, unfinished orders as it may; complete some first"},
    [API_ERROR_NO_SUCH_SERVICE] = {404, "not_found", "服务清单里没有这项服务", "no such service on the menu"},
    [API_ERROR_PUBLISH_OWN_TEAM_ONLY] = {403, "forbidden", "只能为本队（或本部门的服务队）发布服务",
        "you publish services for your own team, or your department's teams, only"},
    [API_ERROR_SERVICE_WITHDRAWN] = {409, "conflict", "这项服务已经撤下了", "this service was already withdrawn"},
    [API_ERROR_SERVICE_CLOSED] = {409, "conflict", "这项服务已撤下或已结束，不能再预约",
        "this service was withdrawn or is over; it takes no bookings"},
};

const struct api_error_row *
api_error_row(enum api_error e)
{
	return &rows[(unsigned)e < API_ERROR_COUNT ? e : API_ERROR_INTERNAL];
}

struct json_object *
api_error_body_message(enum api_error e, const char *message, struct json_object *fields)
{
	return http_error_body(api_error_row(e)->code, message, fields);
}

struct json_object *
api_error_body(enum api_error e, struct json_object *fields)
{
	const struct api_error_row *row = api_error_row(e);
	char message[512];

	snprintf(message, sizeof message, "%s (%s)", row->zh, row->en);
	return http_error_body(row->code, message, fields);
}

void
api_error_reply(struct request *r, enum api_error e, struct json_object *fields)
{
	http_reply_json(r, api_error_row(e)->status, api_error_body(e, fields));
}

void
api_error_reply_message(struct request *r, enum api_error e, const char *message, struct json_object *fields)
{
	http_reply_json(r, api_error_row(e)->status, api_error_body_message(e, message, fields));
}

void
api_error_reply_state(struct request *r, enum api_error e, const char *state)
{
	struct json_object *body = api_error_body(e, NULL), *error;

	json_object_object_get_ex(body, "error", &error);
	json_object_object_add(error, "state", json_object_new_string(state));
	http_reply_json(r, api_error_row(e)->status, body);
}
