// Texts every client shows: network trouble, the display switches, message dismissal, and the
// API's error codes (the server's catalogue) in plain words.
export default {
  'common.network': ['网络不好，没有连上服务器。', 'The network is poor; the server could not be reached.'],
  'common.none': ['—', '—'],
  'common.error': ['出错了：{message}', 'Something went wrong: {message}'],
  'common.close': ['关闭', 'Close'],
  'common.dismiss': ['关闭这条消息', 'Dismiss this message'],
  'common.loading': ['正在加载……', 'Loading…'],
  'prefs.lang': ['English', '中文'],
  'prefs.lang_label': ['Switch to English', '切换到中文'],
  'prefs.elder': ['长辈模式', 'Large text'],
  'prefs.elder_on': ['长辈模式：开', 'Large text: on'],
  'error.unauthenticated': ['请先登录。', 'Please sign in first.'],
  'error.forbidden': ['您的账号不能做这件事。', 'Your account may not do this.'],
  'error.csrf_failed': ['页面过期了，请刷新后再试。', 'The page is out of date; reload it and try again.'],
  'error.not_found': ['没有找到。', 'Not found.'],
  'error.too_many_attempts': ['尝试次数太多，请稍后再试。', 'Too many attempts; please try again later.'],
  'error.database_unavailable': ['系统暂时忙不过来，请稍后再试。', 'The system is busy; please try again shortly.'],
  'error.busy': ['系统暂时忙不过来，请稍后再试。', 'The system is busy; please try again shortly.'],
};
