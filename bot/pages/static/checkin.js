/* 签到: the phone's position through the JS-SDK (wx.getLocation), then the form is sent.
   The only script of the WeChat pages; everything else works without JavaScript. */
(function () {
  var cfg = document.getElementById('wx-config');
  if (!cfg || !window.wx) return;
  var buttons = document.querySelectorAll('button[data-checkin]');
  var note = document.getElementById('checkin-note');
  wx.config({ debug: false, appId: cfg.dataset.appId, timestamp: parseInt(cfg.dataset.timestamp, 10), nonceStr: cfg.dataset.nonce,
              signature: cfg.dataset.signature, jsApiList: ['getLocation'] });
  wx.ready(function () {
    buttons.forEach(function (b) {
      b.disabled = false;
      b.addEventListener('click', function (e) {
        e.preventDefault();
        var form = b.form;
        b.disabled = true;
        if (note) note.textContent = '正在获取位置……';
        wx.getLocation({ type: 'gcj02',
          success: function (res) { form.lat.value = res.latitude; form.lng.value = res.longitude; form.submit(); },
          fail: function () { b.disabled = false; if (note) note.textContent = '没有拿到位置：请允许微信使用位置，或在聊天里回复“签到”并发送位置。'; } });
      });
    });
  });
  wx.error(function () { if (note) note.textContent = '定位功能暂时不能用，请在聊天里回复“签到”并发送位置。'; });
})();
