/** Chinese first; English on request. The choice is kept per browser. */
const zh = {
  'app.title': '应急指挥融合通信',
  'app.logout': '退出',
  'app.lang': 'English',
  'login.title': '登录',
  'login.username': '用户名',
  'login.password': '密码',
  'login.submit': '登录',
  'login.failed': '用户名或密码错误',
  'rooms.title': '会商室',
  'rooms.enter': '进入',
  'rooms.participants': '人在线',
  'rooms.empty': '没有可进入的会商室',
  'room.mic': '麦克风',
  'room.camera': '摄像头',
  'room.leave': '离开',
  'room.page': '页',
  'room.perPage': '每页',
  'room.me': '我',
  'room.muted': '静音',
  'room.noVideo': '无视频',
  'room.micDevice': '麦克风设备',
  'room.cameraDevice': '摄像头设备',
  'conn.lost': '网络中断，正在重连…',
  'conn.media': '媒体恢复中…',
  'rooms.ptt': '对讲组',
  'ptt.hold': '按住讲话',
  'ptt.hint': '按住按钮或空格键讲话',
  'ptt.idle': '空闲，无人讲话',
  'ptt.talking': '正在讲话',
  'ptt.granted': '已获得话权，请讲话',
  'ptt.queued': '排队中，位次',
  'ptt.requesting': '申请话权…',
  'ptt.denied': '话权被拒绝',
  'ptt.revoked': '话权被收回',
  'ptt.emergency': '紧急呼叫',
  'ptt.emergencyOn': '【紧急】',
  'ptt.reason.preempted': '更高级别用户插话',
  'ptt.reason.time-limit': '讲话超时',
  'ptt.reason.listen-only': '仅可收听',
  'ptt.reason.queue-full': '排队已满',
  'error.generic': '操作失败',
} as const;
export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  'app.title': 'Emergency Command',
  'app.logout': 'Log out',
  'app.lang': '中文',
  'login.title': 'Log in',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Log in',
  'login.failed': 'Wrong username or password',
  'rooms.title': 'Consultation rooms',
  'rooms.enter': 'Enter',
  'rooms.participants': 'online',
  'rooms.empty': 'No rooms available to you',
  'room.mic': 'Mic',
  'room.camera': 'Camera',
  'room.leave': 'Leave',
  'room.page': 'Page',
  'room.perPage': 'Per page',
  'room.me': 'Me',
  'room.muted': 'Muted',
  'room.noVideo': 'No video',
  'room.micDevice': 'Microphone',
  'room.cameraDevice': 'Camera',
  'conn.lost': 'Connection lost, reconnecting…',
  'conn.media': 'Restoring media…',
  'rooms.ptt': 'Talk group',
  'ptt.hold': 'Hold to talk',
  'ptt.hint': 'Hold the button or Space to talk',
  'ptt.idle': 'Idle, nobody talking',
  'ptt.talking': 'Talking',
  'ptt.granted': 'You have the floor, talk now',
  'ptt.queued': 'Queued, place',
  'ptt.requesting': 'Requesting the floor…',
  'ptt.denied': 'Floor denied',
  'ptt.revoked': 'Floor taken away',
  'ptt.emergency': 'Emergency call',
  'ptt.emergencyOn': '[EMERGENCY]',
  'ptt.reason.preempted': 'a higher rank cut in',
  'ptt.reason.time-limit': 'time limit reached',
  'ptt.reason.listen-only': 'listen only',
  'ptt.reason.queue-full': 'queue full',
  'error.generic': 'Failed',
};

export type Lang = 'zh' | 'en';
let lang: Lang = localStorage.getItem('lang') === 'en' ? 'en' : 'zh';

export function t(key: MessageKey): string {
  return lang === 'en' ? en[key] : zh[key];
}

export function currentLang(): Lang {
  return lang;
}

export function setLang(next: Lang): void {
  lang = next;
  localStorage.setItem('lang', next);
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
}
