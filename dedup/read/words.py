"""Word lists the page-text classifier reads: stopwords per language and menu words.

The lists are short and our own: the commonest function words of English, French,
German, Spanish, Italian and Dutch news prose, and the section names of news sites' menus.
"""

from __future__ import annotations

_EN = """a about above after again against all also although am among an and another any are
around as at back be because been before being below between both but by can could did do
does doing down during each either even ever every few for from further had has have having
he her here hers herself him himself his how however i if in into is it its itself just
least less like many may me might more most much must my myself neither never no nor not now
of off often on once one only or other others our ours out over own per quite rather s said
same say says she should since so some still such t than that the their theirs them
themselves then there these they this those though through thus to too under until up upon
us very was we well were what when where whether which while who whom whose why will with
within without would yet you your yours told according year years new two three first last
week percent mr mrs ms don didn"""
_FR = """le la les l un une des du de d et à au aux en dans par pour sur avec sans sous ce cet
cette ces qui que qu quoi dont où il ils elle elles on nous vous je se s sa son ses leur
leurs lui y ne n pas plus est sont était été être avoir a ont avait fait comme mais ou donc
car si aussi très tout tous toute deux selon après avant entre c j déjà encore"""
_DE = """der die das den dem des ein eine einer eines einem einen und oder aber in im an am
auf aus bei mit nach von vom zu zum zur für über unter vor durch gegen ohne um ist sind war
waren wird werden wurde wurden hat haben hatte sich nicht auch noch nur es er sie wir ihr ich
man dass als wie wenn so schon mehr sei seit bis diese dieser dieses sein seine ihre ihren
hatten kann soll sagte"""
_ES = """el la los las lo un una unos unas y o pero de del a al en por para con sin sobre
entre que quien como cuando donde se su sus le les es son fue ha han era está están no más
muy también ya este esta estos estas ese esa dijo según tras desde hasta"""
_IT = """il lo la i gli le un uno una e o ma di del della dei delle a al alla in nel nella
da dal con per su tra fra che chi come quando dove si suo sua suoi non più anche è sono era
ha hanno stato questo questa quello detto secondo l d un"""
_NL = """de het een en of maar van in op te met voor door naar bij uit aan om over dat die
dit deze is zijn was waren wordt worden werd heeft hebben had niet ook nog er hij zij ze we
ik je als dan zo al"""
STOPWORDS: dict[str, frozenset[str]] = {
    name: frozenset(words.split())
    for name, words in (
        ("English", _EN),
        ("French", _FR),
        ("German", _DE),
        ("Spanish", _ES),
        ("Italian", _IT),
        ("Dutch", _NL),
    )
}

#: Section names of news sites' menus, in the languages above.
_MENU = """home news world business sport sports politics opinion culture video videos podcast
    podcasts weather lifestyle travel entertainment science tech technology health money
    local live latest arts books ideas reads more menu search startseite nachrichten politik
    wirtschaft kultur wissen accueil actualités actualites économie monde inicio noticias
    economía deportes notizie cronaca esteri economia nieuws binnenland buitenland"""
MENU = frozenset(_MENU.split())
