// The words people see for the order, its states and its actions: the data behind docs/GLOSSARY.md.
// Residents say 点单 for their request; staff and volunteer teams say 工单. Every app takes its
// state names and action button labels from here (glossaryMessages), never from its own texts, and
// the browser tests fail on a badge or action button whose words are not these.

/** Each entry: [zh-CN, en]. */
export const TERMS = {
  order: { resident: ['点单', 'request'], staff: ['工单', 'work order'] },
  tracking_code: { resident: ['查询码', 'tracking code'], staff: ['查询码', 'tracking code'] },
  hours: { resident: ['服务时长', 'service hours'], staff: ['服务时长', 'service hours'] },
  work_no: { resident: ['工单号', 'work-order number'], staff: ['工单号', 'work-order number'] },
};

/** How an order came in (orders.source): the public form, or entered by a worker (代点单). */
export const SOURCES = {
  web: ['网上点单', 'Online'],
  phone: ['电话', 'Phone call'],
  visit: ['上门', 'Walk-in'],
  hotline: ['热线', 'Hotline'],
  menu: ['服务清单预约', 'Service menu booking'],
};

/** The states: the short name per audience, and for residents a sentence saying what happens next. */
export const STATES = {
  submitted: { resident: ['已提交', 'Submitted'], staff: ['待派单', 'To dispatch'],
    explain: ['社区会尽快处理，派给县里的部门', 'The community will pass it to a county department soon'] },
  dispatched: { resident: ['已派单', 'Dispatched'], staff: ['待领单', 'To claim'],
    explain: ['县里的部门会领单，再请志愿服务队', 'A county department will take it and ask a volunteer team'] },
  claimed: { resident: ['已领单', 'Claimed'], staff: ['待接单', 'To accept'],
    explain: ['部门正在请志愿服务队接单', 'The department is asking volunteer teams'] },
  accepted: { resident: ['已接单', 'Accepted'], staff: ['已接单', 'Accepted'],
    explain: ['服务队会打电话和您约时间', 'The team will call you to agree a time'] },
  in_progress: { resident: ['服务中', 'In service'], staff: ['服务中', 'In service'],
    explain: ['志愿者正在为您服务', 'The volunteers are helping you'] },
  completed: { resident: ['服务已完成', 'Service done'], staff: ['待确认', 'To confirm'],
    explain: ['服务做完了，欢迎您评价', 'The service is done; please rate it'] },
  closed: { resident: ['已办结', 'Closed'], staff: ['已办结', 'Closed'],
    explain: ['社区已确认，这一单办完了', 'The community confirmed it; it is finished'] },
  rejected: { resident: ['未受理', 'Not accepted'], staff: ['未受理', 'Not accepted'],
    explain: ['社区没有受理这一单', 'The community did not take it on'] },
  cancelled: { resident: ['已取消', 'Cancelled'], staff: ['已取消', 'Cancelled'],
    explain: ['这一单已经取消了', 'It was cancelled'] },
  merged: { resident: ['已合并', 'Merged'], staff: ['已合并', 'Merged'],
    explain: ['和您之前提交的点单是同一件事，合并到那一单办理了', 'It is the same as a request you made before: the two are handled as one'] },
  waitlisted: { resident: ['候补中', 'On the waiting list'], staff: ['候补中', 'Waiting list'],
    explain: ['这项服务名额已满，您在候补名单上；有人取消时按先后为您补上', 'The service is full; you are on its waiting list and get the next place that comes free'] },
};

/** Each action's button label (the same for everyone who may take it). */
export const ACTIONS = {
  dispatch: ['派单', 'Dispatch'],
  reject: ['不予受理', 'Turn down'],
  claim: ['领单', 'Claim'],
  return: ['退回社区', 'Return to community'],
  offer: ['邀请服务队', 'Offer to teams'],
  accept: ['接单', 'Accept'],
  withdraw: ['退单', 'Give back'],
  start: ['开始服务', 'Start service'],
  complete: ['完成服务', 'Complete service'],
  confirm: ['确认办结', 'Confirm and close'],
  cancel: ['取消点单', 'Cancel request'],
  evaluate: ['评价', 'Rate'],
  dispute: ['退回重填时长', 'Send back: hours questioned'],
  merge: ['合并工单', 'Merge into another'],
};

/** The resident's path, in order: the step's name and the state that means it is done. */
export const PATH = [
  { step: ['点单', 'Request'], done: ['submitted', 'dispatched', 'claimed', 'accepted', 'in_progress', 'completed', 'closed'] },
  { step: ['派单', 'Dispatch'], done: ['dispatched', 'claimed', 'accepted', 'in_progress', 'completed', 'closed'] },
  { step: ['领单', 'Claim'], done: ['claimed', 'accepted', 'in_progress', 'completed', 'closed'] },
  { step: ['接单', 'Accept'], done: ['accepted', 'in_progress', 'completed', 'closed'] },
  { step: ['服务', 'Service'], done: ['completed', 'closed'] },
  { step: ['评价', 'Rating'], done: [] },
];

/** The texts of one audience ('resident' or 'staff') as i18n messages: term.*, state.*, action.*. */
export function glossaryMessages(audience) {
  const out = {};
  for (const [k, v] of Object.entries(TERMS)) out[`term.${k}`] = v[audience];
  for (const [k, v] of Object.entries(STATES)) {
    out[`state.${k}`] = v[audience];
    out[`state_explain.${k}`] = v.explain;
  }
  for (const [k, v] of Object.entries(ACTIONS)) out[`action.${k}`] = v;
  for (const [k, v] of Object.entries(SOURCES)) out[`source.${k}`] = v;
  PATH.forEach((p, i) => { out[`path.${i}`] = p.step; });
  return out;
}
