// Every word the resident pages show, in one place. zh-CN is complete; add 'en' (same keys) to
// translate. {name} in a text is replaced by t(key, {name: …}).
const messages = {
  'zh-CN': {
    'app.title': '科技志愿服务 · 我要点单',
    'app.brand': '科技志愿服务',
    'nav.order': '我要点单',
    'nav.track': '查进度',

    'form.title': '我要点单',
    'form.intro': '需要什么科技服务，告诉我们。社区会把您的需求交给县里的部门，由志愿服务队上门或到社区来帮您。带 * 的必须填写。',
    'form.loading': '正在加载，请稍等……',
    'form.load_failed': '没能加载社区和服务项目。',
    'form.load_retry': '再试一次',
    'form.load_simple': '改用简易表单',
    'form.restored': '您上次没有提交成功的内容已经填好了，检查一下再提交。',

    'field.town': '您住在哪个镇',
    'field.town_pick': '请选择镇',
    'field.community': '哪个社区或村',
    'field.community_pick': '请选择社区/村',
    'field.community_first': '请先选镇',
    'field.category': '需要什么服务',
    'field.description': '请说说具体需要',
    'field.description_hint': '比如：想学用手机视频通话；家里果树叶子发黄，想请人来看看。',
    'field.description_left': '还能写 {n} 个字',
    'field.contact_name': '您的称呼',
    'field.contact_name_hint': '比如：李奶奶、张先生',
    'field.contact_phone': '联系电话',
    'field.contact_phone_hint': '手机 11 位，或带区号的座机。志愿者会打这个电话联系您。',
    'field.address': '地址（可不填）',
    'field.address_hint': '比如：历市镇 某某路 8 号',
    'field.preferred_time': '什么时候方便（可不填）',
    'field.preferred_time_hint': '比如：周六上午、工作日晚上',
    'field.required': '*',

    'check.community_id': '请选择您所在的镇和社区/村',
    'check.category_id': '请选择需要什么服务',
    'check.description': '请说说您需要什么帮助',
    'check.description_long': '最多写 2000 个字，现在多了 {n} 个字',
    'check.contact_name': '请写上您的称呼',
    'check.contact_name_long': '称呼最多 50 个字',
    'check.contact_phone': '请写上联系电话',
    'check.contact_phone_bad': '电话号码不对：手机是 1 开头的 11 位数字，座机要带区号（如 0797-1234567）',
    'check.address_long': '地址最多 200 个字',
    'check.preferred_time_long': '最多 100 个字',
    'check.summary': '还有 {n} 处要改一下，请看红字。',

    'submit.button': '提交',
    'submit.sending': '正在提交……',
    'submit.retrying': '网络不太好，正在重新提交（第 {n} 次）……',
    'submit.offline': '网络不好，没有提交成功。您填的内容都还在，请点“再试一次”。不会重复提交。',
    'submit.retry': '再试一次',
    'submit.busy': '现在办理的人多，请过一会儿再点“再试一次”。',
    'submit.failed': '没有提交成功：{message}',

    'done.title': '已收到您的点单',
    'done.code_label': '您的查询码',
    'done.code_note': '请记下查询码，或截图保存。凭查询码和电话后四位可以查进度、取消或评价。',
    'done.track': '查看办理进度',
    'done.again': '再点一单',
    'done.next': '接下来：社区工作人员会尽快处理，再交给县里的部门和志愿服务队。',

    'recent.title': '我最近的点单',
    'recent.item': '{code}　{category}　{date}',

    'track.title': '办理进度',
    'track.lookup_title': '查办理进度',
    'track.lookup_label': '请输入查询码（10 位字母和数字）',
    'track.lookup_button': '查询',
    'track.lookup_bad': '查询码是 10 位字母和数字，请核对。',
    'track.loading': '正在查询……',
    'track.not_found': '没有找到这个查询码，请核对后再试。',
    'track.load_failed': '网络不好，没能查到。',
    'track.retry': '再试一次',
    'track.refresh': '刷新',
    'track.code': '查询码',
    'track.category': '服务',
    'track.community': '社区/村',
    'track.description': '您的需要',
    'track.contact': '联系人',
    'track.team': '服务队',
    'track.submitted_at': '提交时间',
    'track.summary': '服务情况',
    'track.timeline': '办理经过',
    'track.overdue': '这一单办得慢了，已经提醒负责的同志加快办理。',
    'track.new_order': '再点一单',

    'state.submitted': '已提交，等社区处理',
    'state.dispatched': '社区已派单，等部门领单',
    'state.claimed': '部门已领单，正在安排服务队',
    'state.accepted': '服务队已接单，会和您联系',
    'state.in_progress': '服务正在进行',
    'state.completed': '服务已完成',
    'state.closed': '已办结',
    'state.rejected': '没有受理',
    'state.cancelled': '已取消',

    'state_note.completed': '服务已经做完了，欢迎您给这次服务打分。',
    'state_note.closed': '社区已确认，这一单办完了。',

    'event.submit': '您提交了点单',
    'event.dispatch': '社区已派给{department}',
    'event.dispatch_plain': '社区已派给县里的部门',
    'event.reject': '社区没有受理这一单',
    'event.claim': '{department}已领单',
    'event.claim_plain': '部门已领单',
    'event.return': '部门把这一单退回社区重新安排',
    'event.offer': '部门正在请服务队接单',
    'event.accept': '服务队已接单',
    'event.accept_team': '{team}已接单',
    'event.withdraw': '服务队退回了这一单，正在重新安排',
    'event.start': '服务队开始服务',
    'event.complete': '服务完成',
    'event.confirm': '社区已确认服务完成',
    'event.cancel': '您取消了这一单',
    'event.evaluate': '您评价了这次服务：{stars}',
    'event.escalate': '已超时，已提醒负责的同志加快办理',
    'event.other': '状态有更新',
    'event.reason': '原因：{reason}',

    'cancel.title': '不需要了？',
    'cancel.open': '取消这一单',
    'cancel.explain': '为了确认是您本人，请输入您留的电话号码的后四位。',
    'cancel.reason': '取消原因（可不填）',
    'cancel.submit': '确定取消',
    'cancel.back': '不取消了',
    'cancel.done': '已经取消了。',

    'phone_tail.label': '电话号码后四位',
    'phone_tail.bad': '请输入 4 位数字',
    'phone_tail.wrong': '电话后四位不对。请看看您点单时留的电话号码，再试一次。',
    'phone_tail.locked': '输错的次数太多了。为了安全，请 {minutes} 分钟后再试。',
    'phone_tail.locked_soon': '输错的次数太多了。为了安全，请过一会儿再试。',

    'eval.title': '给这次服务打个分',
    'eval.stars': '满意吗？点星星打分（5 颗星最满意）',
    'eval.star_n': '{n} 颗星',
    'eval.star_words.1': '很不满意',
    'eval.star_words.2': '不太满意',
    'eval.star_words.3': '一般',
    'eval.star_words.4': '满意',
    'eval.star_words.5': '非常满意',
    'eval.comment': '想说的话（可不填）',
    'eval.submit': '提交评价',
    'eval.pick': '请先点星星打分',
    'eval.thanks': '谢谢您的评价！',
    'eval.yours': '您的评价',
    'eval.already': '这一单已经评价过了。',

    'error.conflict': '这一单的情况刚刚有变化，已为您刷新。',
    'error.network': '网络不好，没有办成，请再试一次。',
    'error.generic': '没有办成：{message}',
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

/** The text for key, with {name} placeholders filled from params; the key itself when missing. */
export function t(key, params = {}) {
  const text = messages[lang][key] ?? messages['zh-CN'][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** Fills data-i18n (text), data-i18n-placeholder and data-i18n-aria-label under root. */
export function applyI18n(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  document.documentElement.lang = lang;
}

export const currentLang = lang;
