"""Small hand-written pages in the markup styles live blogs use."""

from __future__ import annotations

JSON_LD = """<html lang="en"><head><title>Storm live</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"LiveBlogPosting",
"headline":"Storm live","liveBlogUpdate":[
{"@type":"BlogPosting","url":"https://news.example.com/storm#p2","headline":"Bridge closed",
 "datePublished":"2024-03-01T10:05:00+01:00","articleBody":"The river bridge is closed to all traffic."},
{"@type":"BlogPosting","url":"https://news.example.com/storm#p1","headline":"Warning issued",
 "datePublished":"2024-03-01T09:40:00+01:00","articleBody":"An amber wind warning covers the coast."}
]}</script></head><body><h1>Storm live</h1></body></html>"""

MICRODATA = """<html><body><div itemscope itemtype="https://schema.org/LiveBlogPosting">
<div itemprop="liveBlogUpdate" itemscope itemtype="https://schema.org/BlogPosting" id="u2">
 <meta itemprop="datePublished" content="2024-03-01T12:30:00Z">
 <h3 itemprop="headline">Polls open</h3><div itemprop="articleBody">Voting started in all districts.</div></div>
<div itemprop="liveBlogUpdate" itemscope itemtype="https://schema.org/BlogPosting" id="u1">
 <meta itemprop="datePublished" content="2024-03-01T12:00:00Z">
 <h3 itemprop="headline">Morning queue</h3><div itemprop="articleBody">Queues formed before dawn.</div></div>
</div></body></html>"""

ARTICLES = """<html lang="en"><body><main><div class="feed">
<article class="post" id="post-3"><header><time datetime="2024-05-15T11:50:00Z">12.50 BST</time>
 <span class="author">Jane Doe</span></header><h2>Sanctions agreed</h2>
 <p>The EU agreed a new sanctions package on Monday afternoon.</p><p>It targets shipping.</p>
 <div class="share-tools"><a>Share</a><a>Facebook</a></div></article>
<div class="ad-slot">Advertisement</div>
<article class="post" id="post-2"><header><time datetime="2024-05-15T11:20:00Z">12.20 BST</time></header>
 <p>Ministers met in Brussels to discuss the next steps of the plan.</p></article>
<article class="post" id="post-1"><header><time datetime="2024-05-15T10:05:00Z">11.05 BST</time></header>
 <p>Good morning and welcome to our live coverage of the summit.</p></article>
</div></main></body></html>"""

DATE_ONCE = """<html lang="en"><body><ul class="updates">
<li><span class="date">03 February 2024</span> <span class="time">14:52 GMT</span>
 <p>Hamas condemned the strikes as a dangerous escalation in the region.</p></li>
<li><span class="time">13:53 GMT</span><p>Russia said the strikes showed disregard for law.</p></li>
<li><span class="time">00:16 GMT</span><p>First reports of explosions came in after midnight.</p></li>
<li><span class="time">23:40 GMT</span><p>The Pentagon said retaliation would begin soon tonight.</p></li>
</ul></body></html>"""

BOLD_TIMES = """<html lang="en"><body><div class="story">
<p><b>16:40</b> Police have closed the main square after the march ended peacefully.</p>
<p>Organisers said about two thousand people took part.</p>
<p><b>15:05</b> The march set off from the station at three o'clock sharp.</p>
<p><b>14:30</b> Crowds are gathering outside the station ahead of the march.</p>
</div></body></html>"""

TWELVE_HOUR = """<html lang="en-US"><head>
<meta property="article:modified_time" content="2024-11-05T22:00:00-05:00"></head><body>
<div class="live"><div class="entry"><span class="stamp">9:45 pm ET</span>
 <p>Polls have closed across the state and counting has begun.</p></div>
<div class="entry"><span class="stamp">2:05 pm ET</span>
 <p>Turnout is running ahead of the last election in most counties.</p></div>
</div><p>Watch on ET Now 10:00 for analysis.</p></body></html>"""

GERMAN = """<html lang="de"><head>
<meta property="article:modified_time" content="2024-08-27T12:40:00+02:00"></head><body>
<div class="RichText"><h2>12.31 Uhr: Zeitung lehnt Aussagen ab</h2>
<p>Eine Zeitung hat sich gegen umstrittene Aussagen des Ministers gestellt.</p>
<h2>11.39 Uhr: Mehrere Kinder getötet</h2><p>Bei Angriffen sind mindestens 18 Menschen gestorben.</p>
<p>Der Zivilschutz teilte das am Dienstag mit.</p>
<h2>02.02 Uhr: Risiko eines Krieges gesunken</h2><p>Das Risiko sei laut Experten gesunken.</p>
</div></body></html>"""

DOTTED = """<html lang="en-GB"><body><section class="blog">
<div class="item"><p class="ts">14.05</p><p>The prime minister has arrived at the summit venue.</p></div>
<div class="item"><p class="ts">13.40</p><p>Security around the venue has been tightened today.</p></div>
</section></body></html>"""

EPOCH = """<html lang="en"><body><div class="events">
<div class="event" id="751105" data-post-time="1722888018000"><h3>Loud bang heard</h3>
 <p>Local reporters said a loud bang was heard at the scene.</p></div>
<div class="event" id="751101" data-post-time="1722886950000"><h3>Protests erupt</h3>
 <p>Multiple people were injured after missiles were thrown.</p></div>
</div></body></html>"""

RELATIVE = """<html lang="en"><body><div class="stream">
<div class="card"><span class="ago">5 min ago</span><p>Firefighters have the blaze under control now.</p></div>
<div class="card"><span class="ago">2 hours ago</span><p>A large fire broke out in a warehouse by the port.</p></div>
</div></body></html>"""

NO_UPDATES = """<html lang="en"><head><title>About us</title></head><body><h1>About us</h1>
<p>We are a small newsroom founded in 2010.</p><p>Contact us by email.</p></body></html>"""

RSS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>
<title>Example live</title><link>https://news.example.com/</link>
<item><guid>urn:item:2</guid><title>Second update</title><link>https://news.example.com/live#2</link>
<pubDate>Sat, 03 Feb 2024 14:52:00 GMT</pubDate><description>&lt;p&gt;Hamas condemned the strikes.&lt;/p&gt;</description></item>
<item><guid>urn:item:1</guid><title>First update</title><link>https://news.example.com/live#1</link>
<pubDate>Sat, 03 Feb 2024 13:53:00 GMT</pubDate><description>Russia criticised the strikes.</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Atom live</title><id>urn:feed</id><updated>2024-02-03T15:00:00Z</updated>
<entry><id>urn:entry:b</id><title>Later</title><updated>2024-02-03T14:00:00+01:00</updated>
<link href="https://news.example.com/a#b"/><content type="html">&lt;p&gt;Later text.&lt;/p&gt;</content></entry>
<entry><id>urn:entry:a</id><title>Earlier</title><updated>2024-02-03T12:00:00+01:00</updated>
<link href="https://news.example.com/a#a"/><summary>Earlier text.</summary></entry>
</feed>"""

BST_SHOWN = """<html lang="en"><head><script type="application/ld+json">{"@type":"LiveBlogPosting",
"liveBlogUpdate":[{"url":"https://news.example.com/live#b2","datePublished":"2024-05-15T12:50:00Z",
"articleBody":"Ministers agreed the package after a long night of talks."},
{"url":"https://news.example.com/live#b1","datePublished":"2024-05-15T12:20:00Z",
"articleBody":"Talks resumed this morning in Brussels with all members."}]}</script></head>
<body><div class="feed"><div class="blk" id="b2"><span>12.50 BST</span>
<p>Ministers agreed the package after a long night of talks.</p></div>
<div class="blk" id="b1"><span>12.20 BST</span>
<p>Talks resumed this morning in Brussels with all members.</p></div></div></body></html>"""

DAY_HEADERS = """<html lang="en"><body><div class="timeline">
<h3 class="day">Wednesday 28 August</h3>
<div class="upd"><span class="t">09:15</span><p>Rescue teams reached the village at first light.</p></div>
<h3 class="day">Tuesday 27 August</h3>
<div class="upd"><span class="t">22:40</span><p>Heavy rain forced the search to stop for the night.</p></div>
<div class="upd"><span class="t">08:05</span><p>A landslide hit the mountain road early this morning.</p></div>
</div></body></html>"""

RELATED_LIST = """<ul class="related">
<li><span>08:00</span> <a href="/a">Yesterday's weather: a look back at a very calm and sunny day</a></li>
<li><span>07:30</span> <a href="/b">Traffic news: roadworks planned on the ring road all this week</a></li>
<li><span>07:00</span> <a href="/c">Sport: the local team wins again at home in front of a full crowd</a></li>
</ul>"""

OLDEST_FIRST = """<html lang="en-GB"><body><div class="live">
<article><time datetime="2024-03-05T09:00:00Z">09:00</time><p>We open our coverage this morning with the budget.</p></article>
<article><time datetime="2024-03-05T10:00:00Z">10:00</time><p>The chancellor has arrived in parliament for the statement.</p></article>
<article><p>An untimed note from the editor about our live coverage of the budget today.</p></article>
</div></body></html>"""

FRENCH = """<html lang="fr-FR"><body><div class="direct">
<div class="post"><div class="heure">14h05</div><p>Le Premier ministre est arrivé à l'Assemblée nationale.</p></div>
<div class="post"><div class="heure">13h40</div><p>Les députés se réunissent pour un vote crucial cet après-midi.</p></div>
</div></body></html>"""

BOLD_TIMES_PAGE_TWO = """<html lang="en"><body><div class="story">
<p><b>14:30</b> Crowds are gathering outside the station ahead of the march.</p>
</div></body></html>"""

PROSE_TIME = """<html lang="de"><body><div class="artikel">
<p><strong>Update, 16:05 Uhr:</strong> Um 14:00 Uhr trat der Minister vor die Presse und sprach lange.</p>
<p>Mehr dazu in Kürze.</p>
<p><strong>Update, 13:17 Uhr:</strong> Die Regierung hat am Vormittag eine Erklärung abgegeben.</p>
</div></body></html>"""

# Exactly what tests/fakes/stories.py LiveStory renders, with one-word updates among them.
SHORT_UPDATES = """<!doctype html><html><head><title>Cup final: live</title></head><body>
<h1>Cup final: live</h1><main>
<article class="update" id="post-3"><time datetime="2024-02-03T10:03:00+00:00">10:03</time><p>Goal!</p></article>
<article class="update" id="post-2"><time datetime="2024-02-03T10:02:00+00:00">10:02</time><p>News on A.</p></article>
<article class="update" id="post-1"><time datetime="2024-02-03T10:01:00+00:00">10:01</time><p>Kick-off.</p></article>
</main></body></html>"""

JSON_LD_FRAGMENT_IDS = """<html><head><script type="application/ld+json">
{"@context": "https://schema.org", "@type": "LiveBlogPosting", "headline": "Flood watch",
 "liveBlogUpdate": [
  {"@type": "BlogPosting", "@id": "#u4", "headline": "River peaks",
   "datePublished": "2024-03-01T09:05:00Z", "articleBody": "The river peaked at 4.2 metres overnight."},
  {"@type": "BlogPosting", "@id": "#u3", "headline": "Sandbags handed out",
   "datePublished": "2024-03-01T08:40:00Z", "articleBody": "Volunteers handed out sandbags in the square."}
 ]}
</script></head><body><h1>Flood watch</h1></body></html>"""

US_NUMERIC_DATES = """<html lang="{lang}"><body><div class="feed">
<div class="post"><span class="stamp">03/04/2024 9:45 PM {zone}</span><p>Results from the county are in.</p></div>
<div class="post"><span class="stamp">03/04/2024 8:10 PM {zone}</span><p>Polls have closed across the state.</p></div>
</div></body></html>"""

WORDY_RELATIVE_TIMES = """<html lang="en"><body><div class="feed">
<div class="post"><span class="when">just now</span><p>Fire crews reached the warehouse.</p></div>
<div class="post"><span class="when">a minute ago</span><p>Smoke is visible across the bay.</p></div>
<div class="post"><span class="when">an hour ago</span><p>Residents were told to close windows.</p></div>
<div class="post"><span class="when">yesterday at 14:05</span><p>The first alarm was raised.</p></div>
</div></body></html>"""

JSON_FEED = """{"version": "https://jsonfeed.org/version/1.1", "title": "Launch: live",
 "home_page_url": "https://space.example.org/live",
 "items": [{"id": "u2", "url": "https://space.example.org/live#u2", "title": "Liftoff",
            "content_html": "<p>The rocket <b>lifted off</b>.</p>", "date_published": "2024-03-14T13:25:00Z"},
           {"id": 1, "content_text": "Fuelling has begun.", "date_modified": "2024-03-14T12:00:00+01:00"}]}"""

UPDATED_ONLY = """<html lang="en"><body><div class="items">
<div class="item" id="i2"><time datetime="2024-04-14T06:48:00Z">Updated 12 mins ago</time><p>Israel says 99% were intercepted.</p></div>
<div class="item" id="i1"><time datetime="2024-04-14T06:13:00Z">Updated 47 mins ago</time><p>Jordan reopens its airspace to flights.</p></div>
</div></body></html>"""

SIDEBAR_OUTNUMBERS = """<html lang="en-GB"><body><main><div class="live">
<div class="post" id="p2"><span>21:48</span><p>Power is back in most of the city.</p></div>
<div class="post" id="p1"><span>20:15</span><p>Flights were diverted.</p></div>
</div></main><aside><div class="latest">
<article><span>21:40</span><a href="/a">Crash in Cork</a><p>A man was taken to hospital after a collision.</p></article>
<article><span>21:12</span><a href="/b">Lotto</a><p>There was no winner of the jackpot tonight.</p></article>
<article><span>20:55</span><a href="/c">Football</a><p>The champions signed a striker from Scotland.</p></article>
</div></aside></body></html>"""

TICKER_PER_DAY = """<html lang="de"><body><div class="inhalt">
<h2>Sonntag, 15. September 2024</h2>
<dl class="ticker"><dt>16:42 Uhr</dt><dd>Der Pegel sinkt.</dd><dt>11:05 Uhr</dt><dd>Die Bahn bleibt gesperrt.</dd></dl>
<h2>Samstag, 14. September 2024</h2>
<dl class="ticker"><dt>22:30 Uhr</dt><dd>Katastrophenalarm ausgerufen.</dd></dl>
</div></body></html>"""
