// Every word the team app shows, in one place. zh-CN is complete; add 'en' (same keys) to translate.
const messages = {
  'zh-CN': {
    'app.title': '科技志愿服务队',
    'nav.jobs': '任务',
    'nav.members': '队员',
    'nav.hours': '我的时长',
    'nav.logout': '退出',

    'login.title': '服务队登录',
    'login.intro': '服务队队长和志愿者用这里接单、记录服务时长。',
    'login.username': '用户名',
    'login.password': '密码',
    'login.submit': '登录',
    'login.sending': '正在登录……',
    'login.wrong': '用户名或密码不对。',
    'login.locked': '密码错误次数太多，请 15 分钟后再试。',
    'login.staff': '社区、部门和管理员请用电脑打开工作台：',
    'login.staff_link': '派单工作台',
    'login.failed': '登录失败：{message}',
    'login.expired': '登录已过期，请重新登录。',
    'login.offline': '现在没有网络，联网后才能登录。',

    'net.offline': '现在没有网络。填写的完成情况会先存在手机上，联网后自动提交。',
    'net.outbox': '还有 {n} 条完成情况等联网后提交。',
    'net.outbox_sent': '离线时填写的完成情况已经提交了。',
    'net.outbox_moved': '工单 {code} 的状态已经变为「{state}」，离线填写的完成情况没有提交。',
    'net.outbox_failed': '工单 {code} 的完成情况没能提交：{message}',
    'net.live_down': '实时更新断开了，正在重连……',

    'state.submitted': '待派单',
    'state.dispatched': '待领单',
    'state.claimed': '等待接单',
    'state.accepted': '已接单',
    'state.in_progress': '服务中',
    'state.completed': '已完成',
    'state.closed': '已办结',
    'state.rejected': '未受理',
    'state.cancelled': '已取消',

    'jobs.offered': '新任务，等您接单',
    'jobs.offered_none': '现在没有新的任务。',
    'jobs.active': '进行中',
    'jobs.active_none': '没有进行中的任务。',
    'jobs.done': '最近完成',
    'jobs.loading': '正在加载……',
    'jobs.failed': '没能加载任务：{message}',
    'jobs.retry': '再试一次',
    'jobs.due': '请在 {time} 前处理',
    'jobs.queued': '待联网提交',
    'jobs.open': '查看',
    'jobs.refresh': '刷新',

    'job.back': '← 返回任务',
    'job.where': '地点',
    'job.when': '方便时间',
    'job.contact': '联系人',
    'job.call': '打电话',
    'job.what': '需要什么',
    'job.category': '服务类别',
    'job.due': '期限',
    'job.team': '服务队',
    'job.summary': '服务情况',
    'job.records': '服务时长',
    'job.loading': '正在加载……',
    'job.not_found': '没有这个任务，或已经不归您的服务队了。',

    'action.accept': '接单',
    'action.start': '开始服务',
    'action.complete': '完成，填写时长',
    'action.withdraw': '退单',
    'action.accepted': '接单成功！请尽快联系群众。',
    'action.started': '已开始服务。',
    'action.completed': '已提交完成情况，等社区确认时长。',
    'action.withdrawn': '已退单。',
    'action.taken': '另一支服务队已经接单了。谢谢您，下次再来！',
    'action.moved': '这一单的状态已经变了（现在：{state}），已为您刷新。',
    'action.failed': '没有办成：{message}',
    'action.offline': '现在没有网络，联网后再试。',
    'action.sending': '正在提交……',

    'complete.title': '完成服务',
    'complete.summary': '服务情况（必填）',
    'complete.summary_hint': '比如：教会 3 位老人用手机视频通话。',
    'complete.summary_required': '请写一句服务情况',
    'complete.members': '谁参加了，各服务了几小时',
    'complete.hours_hint': '时长写小时数，可以有两位小数，比如 1.5 或 2.25，最多 24。',
    'complete.hours': '小时',
    'complete.hours_bad': '时长要大于 0、不超过 24，最多两位小数',
    'complete.pick': '请至少选一名参加的队员并填写时长',
    'complete.volunteer_id': '志愿者编号（数字 ID）',
    'complete.add_row': '再加一人',
    'complete.remove_row': '删除',
    'complete.no_members': '没能读取队员名单，请直接填写志愿者编号。',
    'complete.total': '合计 {h} 小时',
    'complete.submit': '提交完成情况',
    'complete.cancel': '返回',
    'complete.queued': '现在没有网络。已保存在手机上，联网后会自动提交，不会重复。',

    'withdraw.reason': '退单原因（必填）',
    'withdraw.submit': '确定退单',

    'hours.title': '我的服务时长',
    'hours.member_title': '{name} 的服务时长',
    'hours.total': '累计 {h} 小时',
    'hours.by_year': '{year} 年：{h} 小时',
    'hours.records': '服务记录',
    'hours.none': '还没有经过确认的服务时长。',
    'hours.record': '{date}　{category}　{place}',
    'hours.record_hours': '{h} 小时',
    'hours.confirmed': '{by} 确认',
    'hours.superseded': '已更正',
    'hours.correction': '更正：{reason}',
    'hours.certificate': '打开服务记录证明',
    'hours.certificate_opening': '正在生成证明……',
    'hours.certificate_ready': '证明已生成。没有自动打开的话，请点这里：',
    'hours.certificate_link': '打开证明',
    'hours.failed': '没能加载：{message}',
    'hours.no_volunteer': '这个账号没有对应的志愿者。',

    'members.title': '队员',
    'members.lead': '队长',
    'members.member': '队员',
    'members.hours': '时长和证明',
    'members.failed': '没能读取队员名单：{message}',

    'common.network': '网络不好，没有连上服务器。',
  },
  en: {},
};

const lang = (() => {
  try {
    const saved = localStorage.getItem('paidan.lang');
    if (saved && messages[saved]) return saved;
  } catch { /* storage may be off */ }
  return 'zh-CN';
})();

export function t(key, params = {}) {
  const text = messages[lang][key] ?? messages['zh-CN'][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

export const currentLang = lang;
