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
  'error.generic': '操作失败',
  'field.title': '单兵回传',
  'field.name': '您的姓名',
  'field.join': '加入',
  'field.linkExpired': '链接已失效，请向指挥中心索取新的二维码',
  'field.pick': '选择事件',
  'field.start': '开始回传',
  'field.stop': '停止回传',
  'field.connection': '连接',
  'field.location': '定位',
  'field.queued': '待发送',
  'field.quality.good': '良好',
  'field.quality.fair': '一般',
  'field.quality.poor': '较差',
  'field.quality.offline': '已断开',
  'field.noFix': '等待定位…',
  'field.noIncident': '没有进行中的事件',
  'field.live': '正在回传',
  'incidents.title': '进行中的事件',
  'incidents.new': '新建事件',
  'incidents.name': '事件名称',
  'incidents.open': '创建',
  'incidents.qr': '邀请二维码',
  'incidents.qrHint': '单兵手机扫码即可加入本事件并回传视频与位置',
  'incidents.none': '暂无进行中的事件',
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
  'error.generic': 'Failed',
  'field.title': 'Field unit',
  'field.name': 'Your name',
  'field.join': 'Join',
  'field.linkExpired': 'This link has expired: ask the command center for a new QR code',
  'field.pick': 'Choose an incident',
  'field.start': 'Start streaming',
  'field.stop': 'Stop streaming',
  'field.connection': 'Connection',
  'field.location': 'Location',
  'field.queued': 'queued',
  'field.quality.good': 'good',
  'field.quality.fair': 'fair',
  'field.quality.poor': 'poor',
  'field.quality.offline': 'offline',
  'field.noFix': 'Waiting for a fix…',
  'field.noIncident': 'No active incident',
  'field.live': 'Live',
  'incidents.title': 'Active incidents',
  'incidents.new': 'New incident',
  'incidents.name': 'Incident name',
  'incidents.open': 'Open',
  'incidents.qr': 'Invite QR code',
  'incidents.qrHint': 'A responder scans it with a phone to join this incident and stream video and position',
  'incidents.none': 'No active incident',
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
