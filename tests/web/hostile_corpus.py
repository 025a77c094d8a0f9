"""Hostile input for the webhook and the parsers: texts a user could type, bodies and queries
an attacker could send. Used by ``test_hostile_input.py``; add what the next incident teaches.
"""

from __future__ import annotations

#: What a user can type (or speech recognition return): each goes through the parsers, the
#: dialogue, the database and back into a reply.
TEXTS: tuple[str, ...] = (
    # CDATA and XML injection into the reply
    "]]>",
    "帮我买药]]><MsgType><![CDATA[image]]></MsgType><Content><![CDATA[被注入",
    "买药</Content></xml><xml><MsgType>music</MsgType>",
    "<![CDATA[买药]]>",
    "&lt;xml&gt;&amp;&quot;买药",
    "<script>alert('买药')</script>",
    '<img src=x onerror="alert(1)">送饭',
    # SQL injection
    "'; DROP TABLE service_requests; --",
    "买药' OR '1'='1",
    "Robert'); DELETE FROM members; --",
    "1; SELECT pg_sleep(30); --",
    "帮我买药\\'; UPDATE service_requests SET status='completed'; --",
    # template and format-string injection
    "{{7*7}}买药",
    "${7*7}买药",
    "{number}{item}{0}{}",
    "{0.__class__.__mro__[1].__subclasses__()}",
    "%s%s%s%n%(message)s",
    "{{config.items()}}<%= 7*7 %>#{7*7}",
    # emoji, odd Unicode
    "😀👍🏻👨‍👩‍👧‍👦买药",
    "🆘🆘🆘",
    "\u202e药买我帮\u202c",
    "帮\u200b我\u200d买\ufeff药",
    "ｈｅｌｌｏ　１２３　买药",
    "e\u0301" * 200,
    "𠀀𠀁𠀂𪚥龘",
    "\t买药\r\n第二行\n\n\n第五行",
    # numbers where numbers are expected, and walls of them
    "1" * 5000,
    "9" * 40,
    "-1",
    "1e309",
    "NaN",
    "0x1F",
    "一" * 3000,
    "第99999999999999999999个",
    "13800138000" * 50,
    "12月32日",
    "2099年2月30日",
    "下下下下周八",
    # paths, URLs, shell
    "../../../../etc/passwd",
    "file:///etc/passwd",
    "$(reboot)`id`|rm -rf /",
    # very long texts (the body stays under the 64 KB cap)
    "帮我买药" * 150,
    "帮" * 15000,
    "a" * 50000,
    # whitespace and nothing
    " ",
    "　　",
    "\n",
)

#: Raw POST bodies sent with a valid plain-mode signature: every one must be refused (400).
BAD_BODIES: tuple[bytes, ...] = (
    b"",
    b"<xml><ToUserName>a</ToUserName>",
    b"not xml at all",
    b"\xff\xfe\x00garbage",
    b"\xc3\x28\xa0\xa1",  # invalid UTF-8 sequences
    b"<xml><Content>\xed\xa0\x80</Content></xml>",  # a UTF-8 encoded surrogate
    b"\xef\xbb\xbf<xml></xml>",  # BOM, no sender
    "<xml><FromUserName>o_x</FromUserName></xml>".encode("utf-16"),
    '<?xml version="1.0" encoding="GBK"?><xml><FromUserName>o_x</FromUserName><Content>买药</Content></xml>'.encode("gbk"),
    b"<xml></xml>",
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><xml><FromUserName>o_x</FromUserName><Content>&lol3;</Content></xml>',
    b'<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><FromUserName>&xxe;</FromUserName></xml>',
    b'<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://127.0.0.1:1/evil.dtd"><xml><FromUserName>o_x</FromUserName></xml>',
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p">%p;]><xml/>',
    b'<xml xmlns:xi="http://www.w3.org/2001/XInclude"><FromUserName>o_x</FromUserName><xi:include href="file:///etc/passwd"/></xml>',
    b"<xml>" + b"<a>" * 20_000 + b"</a>" * 20_000 + b"</xml>",
    b"<xml>" + b"<a>" * 5_000 + b"</a>" * 5_000 + b"</xml>",
    b"<xml>" + b"x" * (70 * 1024) + b"</xml>",
    b"<xml>" + b"<a/>" * 15_000 + b"</xml>",
    b'<xml a="' + b"x" * 60_000 + b'"/>',
    b"<xml><FromUserName>o_x</FromUserName><Content>\x00\x01\x02</Content><MsgType>text</MsgType><MsgId>1</MsgId></xml>",
    b"<xml><FromUserName>o_x</FromUserName><Content>&#0;&#1;</Content><MsgType>text</MsgType><MsgId>1</MsgId></xml>",
    b"<xml><FromUserName>o_x</FromUserName><Content><![CDATA[a]]]]></Content></xml>",
    b"<?php echo 1; ?><xml/>",
    # well-formed, but not a message WeChat sends
    b"<xml><ToUserName>gh</ToUserName><FromUserName>o_x</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content></xml>",  # no MsgId
    b"<xml><ToUserName>gh</ToUserName><FromUserName>o_x</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>abc</MsgId></xml>",
    b"<xml><ToUserName>gh</ToUserName><FromUserName>o_x</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>-5</MsgId></xml>",
    b"<xml><ToUserName>gh</ToUserName><FromUserName>o_x</FromUserName><CreateTime>abc</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>",
    b"<xml><ToUserName>gh</ToUserName><FromUserName><a>o_x</a></FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>5</MsgId></xml>",
    b"<xml><ToUserName>gh</ToUserName><FromUserName>o_x</FromUserName><FromUserName>o_y</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>5</MsgId></xml>",
    b"<xml><ToUserName>gh</ToUserName><FromUserName>" + b"o" * 200 + b"</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>6</MsgId></xml>",
    b"<xml><ToUserName>gh</ToUserName><FromUserName>]]&gt;</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>6</MsgId></xml>",
    b"<xml><ToUserName>gh]]&gt;&lt;MsgType&gt;</ToUserName><FromUserName>o_x</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>6</MsgId></xml>",
    b"<xml><ToUserName>gh</ToUserName><FromUserName>o x</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>6</MsgId></xml>",
    b"<xml><ToUserName>gh</ToUserName><FromUserName>o_x</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content><b>x</b></Content><MsgId>7</MsgId></xml>",
    b"<xml><ToUserName>gh</ToUserName><FromUserName>o_x</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>a</Content><Content>b</Content><MsgId>8</MsgId></xml>",
    b"<xml><ToUserName>gh</ToUserName><FromUserName>o_x</FromUserName><CreateTime>1</CreateTime><MsgType><b>x</b></MsgType><MsgId>9</MsgId></xml>",
    b"<xml><ToUserName>gh</ToUserName><FromUserName>o_x</FromUserName><CreateTime>1</CreateTime><MsgType></MsgType><MsgId>10</MsgId></xml>",
    b"<xml><ToUserName>gh</ToUserName><FromUserName>o_x</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>" + b"e" * 200 + b"</Event></xml>",
    b"<xml><ToUserName>gh</ToUserName><FromUserName>o_x</FromUserName><CreateTime>1</CreateTime><MsgType>location</MsgType><Location_X>north</Location_X><Location_Y>1e999</Location_Y><MsgId>12</MsgId></xml>",
    b"<xml><ToUserName>gh</ToUserName><FromUserName>o_x</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>LOCATION</Event><Latitude>x</Latitude><Longitude>y</Longitude></xml>",
)

#: Well-formed messages of kinds the bot does not handle: answered politely (200), never a 500.
ODD_MESSAGES: tuple[tuple[str, dict], ...] = (
    ("shortvideo", {"MediaId": "m", "ThumbMediaId": "t"}),
    ("video", {"MediaId": "m", "ThumbMediaId": "t"}),
    ("music", {"Title": "t"}),
    ("file", {"Title": "a.exe", "FileKey": "k"}),
    ("miniprogrampage", {"Title": "t", "AppId": "wx1", "PagePath": "/p"}),
    ("somethingnew", {}),
    ("t" * 100, {}),  # wechatpy reads any type it does not know as "unknown"
    ("TEXT", {"Content": "大写的类型"}),
    ("voice", {"MediaId": "m", "Format": "amr"}),  # no Recognition
    ("voice", {"MediaId": "m", "Format": "amr", "Recognition": "🆘" * 50}),
    ("location", {"Location_X": "999", "Location_Y": "-999", "Scale": "15", "Label": "]]><x/>"}),
    ("image", {"PicUrl": "javascript:alert(1)", "MediaId": ""}),
    ("link", {"Title": "]]></Title>", "Description": "", "Url": "file:///etc/passwd"}),
)
