// The console's browser softphone: JsSIP registered to Asterisk over SIP-over-WebSocket (WebRTC).
//
//   const phone = await Softphone.connect();        // GET /api/agents/me/webphone, then REGISTER
//   phone.addEventListener('state', (e) => e.detail); // {registered, call: null | {id, direction,
//                                                     //   remote, state, muted}}
//   phone.addEventListener('incoming', (e) => e.detail); // {remote, callerName}
//   phone.answer(); phone.hangup(); phone.hold(); phone.unhold(); phone.mute(); phone.unmute();
//   phone.sendDTMF('12#'); phone.autoAnswer = true; phone.disconnect();
//
// A call's `id` is Voxdesk's call id when call control sent one (X-Voxdesk-Call-Id): hold and
// resume then go through the HTTP API like transfers, so the call record, the supervisors' view and
// the caller's music on hold stay call control's. Without one (a direct call), hold is a SIP re-INVITE.
// Remote audio plays in an <audio> element this module creates. With `?capture=1` in the page URL
// the remote audio is also captured (WebAudio) for tests, read through window.voxSoftphone.
import JsSIP from './vendor/jssip.js';
import { api } from './console.js';

const CALL_ID_HEADER = 'X-Voxdesk-Call-Id';
const CAPTURE = new URLSearchParams(location.search).get('capture') === '1';
const REGISTER_TIMEOUT_MS = 10000;
const STATS_PERIOD_MS = 1000;

// What tests read (window.voxSoftphone): times are Date.now() epoch milliseconds.
const stats = {
  registered: false, registeredAt: null, incomingAt: null, answerCalledAt: null, acceptedAt: null, confirmedAt: null,
  endedAt: null, endCause: null, bytesReceived: 0, bytesSent: 0, iceState: null, codec: null,
};
const capture = { rate: 0, chunks: [] };

function exposeStats() {
  if (window.voxSoftphone) return;
  const view = {};
  for (const key of Object.keys(stats)) Object.defineProperty(view, key, { get: () => stats[key], enumerable: true });
  Object.defineProperty(view, 'captureRate', { get: () => capture.rate, enumerable: true });
  // Int16 little-endian mono PCM at captureRate, base64 (empty unless the page has ?capture=1).
  view.capturedPcmBase64 = () => {
    let total = 0;
    for (const chunk of capture.chunks) total += chunk.length;
    const all = new Int16Array(total);
    let at = 0;
    for (const chunk of capture.chunks) { all.set(chunk, at); at += chunk.length; }
    const bytes = new Uint8Array(all.buffer);
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(text);
  };
  Object.defineProperty(window, 'voxSoftphone', { value: Object.freeze(view), writable: false });
}

function startCapture(stream) {
  if (!CAPTURE) return;
  try {
    const context = new AudioContext();
    capture.rate = context.sampleRate;
    const source = context.createMediaStreamSource(stream);
    const processor = context.createScriptProcessor(4096, 1, 1);
    processor.onaudioprocess = (event) => {
      const data = event.inputBuffer.getChannelData(0);
      const chunk = new Int16Array(data.length);
      for (let i = 0; i < data.length; i++) chunk[i] = Math.max(-1, Math.min(1, data[i])) * 32767;
      capture.chunks.push(chunk);
    };
    const sink = context.createGain();
    sink.gain.value = 0; // the <audio> element plays it; this path only records
    source.connect(processor); processor.connect(sink); sink.connect(context.destination);
    context.resume();
  } catch (error) {
    console.warn('softphone: no capture', error);
  }
}

export class Softphone extends EventTarget {
  constructor(setup) {
    super();
    this.setup = setup;
    this.autoAnswer = false;
    this.registered = false;
    this.call = null; // the public view of the current call
    this._session = null;
    this._statsTimer = null;
    this._audio = document.createElement('audio');
    this._audio.autoplay = true;
    this._audio.hidden = true;
    document.body.append(this._audio);
    exposeStats();
  }

  /** Fetch the signed-in user's browser phone account and register; resolves once registered. */
  static async connect() {
    const setup = await api('/api/agents/me/webphone');
    const phone = new Softphone(setup);
    await phone._start();
    return phone;
  }

  _start() {
    const { setup } = this;
    JsSIP.debug.disable('JsSIP:*');
    this._ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(setup.ws_url)],
      uri: setup.sip_uri,
      authorization_user: setup.authorization_user,
      realm: setup.realm,
      ha1: setup.ha1,
      display_name: setup.display_name,
      register: true,
      register_expires: 300,
      session_timers: false,
      user_agent: 'Voxdesk console (JsSIP)',
    });
    this._ua.on('newRTCSession', (event) => this._newSession(event));
    this._ua.on('unregistered', () => this._setRegistered(false));
    this._ua.on('disconnected', () => this._setRegistered(false));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the phone did not register in time')), REGISTER_TIMEOUT_MS);
      this._ua.on('registered', () => { clearTimeout(timer); this._setRegistered(true); resolve(); });
      this._ua.on('registrationFailed', (event) => {
        clearTimeout(timer);
        this._setRegistered(false);
        reject(new Error(`registration failed: ${event.cause}`));
      });
      this._ua.start();
    });
  }

  _setRegistered(registered) {
    if (registered && !this.registered) stats.registeredAt = Date.now();
    this.registered = stats.registered = registered;
    this._emitState();
  }

  _emitState() {
    const call = this.call ? { ...this.call } : null;
    this.dispatchEvent(new CustomEvent('state', { detail: { registered: this.registered, call } }));
  }

  _update(changes) {
    if (!this.call) return;
    Object.assign(this.call, changes);
    this._emitState();
  }

  _newSession({ originator, session, request }) {
    if (originator !== 'remote') return; // outgoing calls are placed by call control, not here
    if (this._session) { // one call at a time: the queue offers the call to someone else
      session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
      return;
    }
    stats.incomingAt = Date.now();
    stats.answerCalledAt = stats.acceptedAt = stats.confirmedAt = stats.endedAt = stats.endCause = null;
    this._session = session;
    const identity = session.remote_identity;
    const remote = identity.uri.user || '';
    const callerName = identity.display_name || '';
    const voxdeskId = request.getHeader(CALL_ID_HEADER) || null;
    this._voxdeskId = voxdeskId;
    this.call = { id: voxdeskId || session.id, direction: 'incoming', remote, state: 'ringing', muted: false };
    if (session.connection) this._wire(session.connection);
    session.on('peerconnection', ({ peerconnection }) => this._wire(peerconnection));
    session.on('icecandidate', (event) => {
      // Answer at the first host candidate instead of JsSIP's wait for all of them (~120 ms):
      // call control needs no other kind (no STUN/TURN here).
      if (/ typ host/.test(event.candidate.candidate)) event.ready();
    });
    session.on('accepted', () => { stats.acceptedAt = Date.now(); this._update({ state: 'active' }); });
    session.on('confirmed', () => { stats.confirmedAt = Date.now(); });
    session.on('hold', () => this._update({ state: 'held' }));
    session.on('unhold', () => this._update({ state: 'active' }));
    session.on('muted', () => this._update({ muted: true }));
    session.on('unmuted', () => this._update({ muted: false }));
    const end = (cause) => this._ended(session, cause);
    session.on('ended', (event) => end(event.cause));
    session.on('failed', (event) => end(event.cause));
    // Open the microphone while it rings, so answering does not wait for the device (~100-200 ms).
    this._mic = navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    this._mic.catch(() => {}); // answer() reports it
    this._emitState();
    this.dispatchEvent(new CustomEvent('incoming', { detail: { remote, callerName } }));
    if (this.autoAnswer) this.answer();
  }

  _wire(connection) {
    if (this._connection === connection) return;
    this._connection = connection;
    connection.addEventListener('track', (event) => {
      const stream = event.streams[0] || new MediaStream([event.track]);
      this._audio.srcObject = stream;
      this._audio.play().catch(() => {}); // autoplay rules: the next click plays it
      startCapture(stream);
    });
    connection.addEventListener('iceconnectionstatechange', () => { stats.iceState = connection.iceConnectionState; });
    clearInterval(this._statsTimer);
    this._statsTimer = setInterval(() => this._readStats(connection), STATS_PERIOD_MS);
  }

  async _readStats(connection) {
    try {
      const report = await connection.getStats();
      const byId = {};
      report.forEach((entry) => { byId[entry.id] = entry; });
      report.forEach((entry) => {
        if (entry.type === 'inbound-rtp' && entry.kind === 'audio') {
          stats.bytesReceived = entry.bytesReceived;
          const codec = byId[entry.codecId];
          if (codec) stats.codec = `${codec.mimeType}/${codec.clockRate}`;
        }
        if (entry.type === 'outbound-rtp' && entry.kind === 'audio') stats.bytesSent = entry.bytesSent;
      });
    } catch { /* the connection closed meanwhile */ }
  }

  _ended(session, cause) {
    if (this._session !== session) return;
    stats.endedAt = Date.now();
    stats.endCause = cause || null;
    if (this._connection) this._readStats(this._connection);
    clearInterval(this._statsTimer);
    this._session = this._connection = null;
    const mic = this._mic;
    this._mic = null;
    if (mic) mic.then((stream) => stream.getTracks().forEach((track) => track.stop()), () => {});
    this._update({ state: 'ended' });
    this.call = null;
    this._emitState();
  }

  async answer() {
    if (!this._session || this.call.state !== 'ringing' || this._answering) return;
    const session = this._session;
    this._answering = true;
    stats.answerCalledAt = Date.now();
    try {
      const mediaStream = await this._mic;
      if (this._session !== session) return; // the caller gave up meanwhile
      session.answer({ mediaStream, pcConfig: { iceServers: [] } });
    } finally {
      this._answering = false;
    }
  }

  hangup() {
    if (this._session) this._session.terminate();
  }

  async hold() {
    if (!this._session || this.call.state !== 'active') return;
    if (this._voxdeskId) {
      await api(`/api/calls/${encodeURIComponent(this._voxdeskId)}/hold`, { method: 'POST' });
      this._update({ state: 'held' });
    } else {
      this._session.hold();
    }
  }

  async unhold() {
    if (!this._session || this.call.state !== 'held') return;
    if (this._voxdeskId) {
      await api(`/api/calls/${encodeURIComponent(this._voxdeskId)}/resume`, { method: 'POST' });
      this._update({ state: 'active' });
    } else {
      this._session.unhold();
    }
  }

  mute() {
    if (this._session) this._session.mute({ audio: true });
  }

  unmute() {
    if (this._session) this._session.unmute({ audio: true });
  }

  sendDTMF(digits) {
    if (this._session && this.call.state === 'active') {
      this._session.sendDTMF(String(digits), { transportType: 'RFC2833' });
    }
  }

  disconnect() {
    this.hangup();
    if (this._ua) this._ua.stop(); // un-registers: presence logs the agent out (or back to the desk phone)
    this._setRegistered(false);
    this._audio.remove();
  }
}
