/* Dev only: stands in for WeChat's JS-SDK (jweixin). wx.config has its signature checked by the
   server as WeChat checks it; wx.getLocation answers the simulator phone's position. */
(function () {
  var state = { ready: [], error: [], ok: null };
  function position() {
    var m = document.cookie.match(/(?:^|; )jzt_dev_position=([^;]*)/);
    var parts = decodeURIComponent(m ? m[1] : '31.4021,116.3335').split(',');
    return { latitude: parseFloat(parts[0]), longitude: parseFloat(parts[1]), accuracy: 30 };
  }
  window.wx = {
    config: function (c) {
      fetch('/dev/jsapi/check', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ appId: c.appId, timestamp: c.timestamp, nonceStr: c.nonceStr, signature: c.signature, url: location.href.split('#')[0] }) })
        .then(function (r) { return r.json(); })
        .then(function (d) { state.ok = d.ok; (d.ok ? state.ready : state.error).forEach(function (f) { f(d); }); });
    },
    ready: function (f) { if (state.ok === true) f(); else state.ready.push(f); },
    error: function (f) { if (state.ok === false) f({ errMsg: 'config:invalid signature' }); else state.error.push(f); },
    getLocation: function (o) {
      if (state.ok !== true) { if (o.fail) o.fail({ errMsg: 'getLocation:permission denied' }); return; }
      setTimeout(function () { o.success(position()); }, 50);
    }
  };
})();
