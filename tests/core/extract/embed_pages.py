"""Hand-written live pages carrying the embed codes the platforms' "Embed" buttons give.

Each page is two timed updates: the first quotes or plays something, the second is plain, so
block mode reads them as it reads any live blog. `page(embed)` wraps one embed code.
"""

from __future__ import annotations

_PAGE = """<html lang="en"><head><title>Summit live</title></head><body><main>
<div class="feed">
<article class="post" id="post-2"><time datetime="2024-03-03T14:05:00Z">14:05</time>
 <p>Reaction is pouring in from abroad.</p>
 {embed}
</article>
<article class="post" id="post-1"><time datetime="2024-03-03T13:40:00Z">13:40</time>
 <p>Leaders arrived at the venue this morning for the talks.</p>
</article>
</div></main></body></html>"""

# Twitter's publish.twitter.com code: the words, then "— Name (@handle) date" and the script.
TWEET = """<blockquote class="twitter-tweet" data-lang="en"><p lang="en" dir="ltr">Talks were
 frank and useful. More tomorrow <a href="https://t.co/abc">pic.twitter.com/abc</a></p>&mdash;
 Jane Minister (@janeminister) <a href="https://twitter.com/janeminister/status/1764321987654321098?ref_src=twsrc%5Etfw">March
 3, 2024</a></blockquote>
<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>"""

TWEET_FRAME = """<iframe src="https://platform.twitter.com/embed/Tweet.html?id=1764321987654321098"
 title="X Post" width="550" height="400"></iframe>"""

BLUESKY = """<blockquote class="bluesky-embed"
 data-bluesky-uri="at://did:plc:abc123/app.bsky.feed.post/3kxyz"
 data-bluesky-cid="bafyrei"><p lang="en">The harbour is closed until further notice.<br><br>
 <a href="https://bsky.app/profile/did:plc:abc123/post/3kxyz?ref_src=embed">[image or embed]</a></p>
 &mdash; Port Authority (<a href="https://bsky.app/profile/did:plc:abc123?ref_src=embed">@port.example.org</a>)
 <a href="https://bsky.app/profile/did:plc:abc123/post/3kxyz?ref_src=embed">March 3, 2024 at 2:01 PM</a>
</blockquote><script async src="https://embed.bsky.app/static/embed.js" charset="utf-8"></script>"""

MASTODON_FRAME = """<iframe src="https://mastodon.social/@Gargron/111111111111111111/embed"
 class="mastodon-embed" style="max-width: 100%; border: 0" width="400" allowfullscreen="allowfullscreen">
</iframe><script src="https://mastodon.social/embed.js" async="async"></script>"""

MASTODON_QUOTE = """<blockquote class="mastodon-embed"
 data-embed-url="https://mastodon.social/@Gargron/111111111111111111/embed"
 style="background: #FCF8FF;"><a href="https://mastodon.social/@Gargron/111111111111111111"
 target="_blank"><div>Post by @Gargron@mastodon.social</div><div>View on Mastodon</div></a>
</blockquote><script data-allowed-prefixes="https://mastodon.social/" async
 src="https://mastodon.social/embed.js"></script>"""

INSTAGRAM = """<blockquote class="instagram-media" data-instgrm-captioned
 data-instgrm-permalink="https://www.instagram.com/p/C4AbCdEfGhI/?utm_source=ig_embed&amp;utm_campaign=loading"
 data-instgrm-version="14"><div><a href="https://www.instagram.com/p/C4AbCdEfGhI/?utm_source=ig_embed"
 target="_blank">View this post on Instagram</a>
 <p><a href="https://www.instagram.com/p/C4AbCdEfGhI/?utm_source=ig_embed">A post shared by Summit
 Team (@summitteam)</a></p></div></blockquote>
<script async src="//www.instagram.com/embed.js"></script>"""

TELEGRAM_SCRIPT = """<script async src="https://telegram.org/js/telegram-widget.js?22"
 data-telegram-post="summitnews/4321" data-width="100%"></script>"""

TELEGRAM_FRAME = """<iframe src="https://t.me/summitnews/4321?embed=1" width="100%"></iframe>"""

THREADS = """<blockquote class="text-post-media"
 data-text-post-permalink="https://www.threads.net/@summitteam/post/C4XyZ123"
 data-text-post-version="0" id="ig-tp-C4XyZ123"><a href="https://www.threads.net/@summitteam/post/C4XyZ123"
 target="_blank"><div>Post by @summitteam</div><div>View on Threads</div></a></blockquote>
<script async src="https://www.threads.net/embed.js"></script>"""

FACEBOOK = """<div id="fb-root"></div>
<div class="fb-post" data-href="https://www.facebook.com/summitteam/posts/pfbid0abc" data-width="500"
 data-show-text="true"><blockquote cite="https://www.facebook.com/summitteam/posts/pfbid0abc"
 class="fb-xfbml-parse-ignore">Posted by <a href="https://www.facebook.com/summitteam">Summit
 Team</a> on <a href="https://www.facebook.com/summitteam/posts/pfbid0abc">Sunday, 3 March
 2024</a></blockquote></div>"""

FACEBOOK_FRAME = """<iframe
 src="https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2Fsummitteam%2Fposts%2Fpfbid0abc&amp;show_text=true&amp;width=500"
 width="500" height="600" style="border:none;overflow:hidden" scrolling="no"></iframe>"""

YOUTUBE = """<iframe width="560" height="315"
 src="https://www.youtube.com/embed/dQw4w9WgXcQ?si=AbCdEf" title="Leaders arrive for the summit"
 frameborder="0" allow="accelerometer; autoplay" allowfullscreen></iframe>"""

YOUTUBE_NOCOOKIE = """<iframe width="560" height="315"
 src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" title="YouTube video player"
 frameborder="0" allowfullscreen></iframe>"""

LITE_YOUTUBE = """<lite-youtube videoid="dQw4w9WgXcQ"
 playlabel="Play: Leaders arrive for the summit"></lite-youtube>"""

VIMEO = """<iframe src="https://player.vimeo.com/video/76979871?h=8272103f6e" width="640"
 height="360" frameborder="0" allow="autoplay; fullscreen" title="The summit in 60 seconds"></iframe>"""

DAILYMOTION = """<iframe frameborder="0" width="640" height="360"
 src="https://geo.dailymotion.com/player.html?video=x8abc12" allowfullscreen
 title="Dailymotion Video Player"></iframe>"""

TWITCH = """<iframe src="https://player.twitch.tv/?video=v2012345678&parent=news.example.com"
 height="360" width="640" allowfullscreen></iframe>"""

SPOTIFY = """<iframe style="border-radius:12px"
 src="https://open.spotify.com/embed/episode/4rOoJ6Egrf8K2IrywzwOMk?utm_source=generator"
 width="100%" height="152" frameBorder="0" allowfullscreen=""
 allow="autoplay; clipboard-write" loading="lazy" title="Summit Daily: day one"></iframe>"""

APPLE_PODCASTS = """<iframe allow="autoplay *; encrypted-media *;" frameborder="0" height="175"
 style="width:100%;max-width:660px;overflow:hidden;border-radius:10px;"
 src="https://embed.podcasts.apple.com/us/podcast/summit-daily/id1200361736?i=1000645321234"></iframe>"""

SOUNDCLOUD = """<iframe width="100%" height="166" scrolling="no" frameborder="no" allow="autoplay"
 src="https://w.soundcloud.com/player/?url=https%3A//api.soundcloud.com/tracks/1234567&color=%23ff5500"></iframe>"""

AUDIO = """<audio controls src="/media/briefing.mp3" title="Morning briefing"></audio>"""


def page(embed: str) -> str:
    """A two-update live page whose newest update holds `embed` after a line of its own."""
    return _PAGE.format(embed=embed)


def only_embed(embed: str) -> str:
    """A two-update live page whose newest update is nothing but `embed`."""
    return _PAGE.format(embed=embed).replace("<p>Reaction is pouring in from abroad.</p>", "")
