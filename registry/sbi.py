"""SBI (Standaard Bedrijfsindeling) sectors: which section and division a KvK activity code is in.

Pure tables and functions, no ORM: the section and division tables are small and written here,
so sector titles never depend on a file at run time. Full 5-digit titles are a larger public
table (registry/reference/sbi.csv), loaded into `registry.models.SbiCode` by the migrations;
where a code's title is not loaded, the page shows its division's title.

The KvK registers SBI 2025 codes since 5-7 September 2025 (all 5 digits); inactive
registrations keep SBI 2008 codes (4 or 5 digits). The two versions share the division numbers
(the first two digits) except 45, which SBI 2025 dropped, but their section letters differ from
J on (2008 J is split into 2025 J and K). Sections here are always SBI 2025 letters, so one
facet covers both versions; the 2008 letter is kept for reference.

Titles: CBS, SBI 2025 and SBI 2008 (Creative Commons Attribution 4.0, "Bron: CBS"). The tables
were transcribed from ../shared/data/sbi (see its README); tests compare them when it is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.translation import get_language

Version = Literal["2025", "2008"]


@dataclass(frozen=True, slots=True)
class Section:
    letter: str
    first_division: int
    last_division: int
    title_en: str
    title_nl: str
    short_en: str = ""  # our own short wording for filters; "" where the title is short already

    @property
    def label(self) -> str:
        """The name to show in a list of sectors, in Dutch when the page is."""
        if _dutch():
            return self.title_nl
        return self.short_en or self.title_en

    def covers(self, division: int) -> bool:
        return self.first_division <= division <= self.last_division


# SBI 2025 (NACE Rev. 2.1): 22 sections A-V by division range. Titles re-cased from the capitals
# of the source. Division 45 does not exist in SBI 2025.
SECTIONS_2025: dict[str, Section] = {
    s.letter: s
    for s in (
        Section("A", 1, 3, "Agriculture, forestry and fishing", "Landbouw, bosbouw en visserij"),
        Section("B", 5, 9, "Mining and quarrying", "Winning van delfstoffen"),
        Section("C", 10, 33, "Manufacturing", "Industrie"),
        Section(
            "D",
            35,
            35,
            "Electricity, gas, steam and air conditioning supply",
            "Productie en distributie van en handel in elektriciteit, gas, stoom en gekoelde lucht",
            "Energy supply",
        ),
        Section(
            "E",
            36,
            39,
            "Water supply; sewerage, waste management and remediation activities",
            "Winning en distributie van water; afval- en afvalwaterbeheer en sanering",
            "Water supply and waste management",
        ),
        Section("F", 41, 43, "Construction", "Bouwnijverheid"),
        Section("G", 46, 47, "Wholesale and retail trade", "Groot- en detailhandel"),
        Section("H", 49, 53, "Transportation and storage", "Vervoer en opslag"),
        Section(
            "I",
            55,
            56,
            "Accommodation and food service activities",
            "Logies-, maaltijd- en drankverstrekking",
            "Accommodation and food",
        ),
        Section(
            "J",
            58,
            60,
            "Publishing, broadcasting, and content production and distribution activities",
            "Activiteiten van uitgeverijen, omroepactiviteiten, en activiteiten op het gebied van "
            "productie en distributie van inhoud",
            "Publishing, broadcasting and media",
        ),
        Section(
            "K",
            61,
            63,
            "Telecommunication, computer programming, consulting, computing infrastructure and "
            "other information service activities",
            "Telecommunicatie, computerprogrammering en consultancy, informatica-infrastructuur "
            "en overige activiteiten op het gebied van informatiediensten",
            "Telecom, IT and information services",
        ),
        Section(
            "L",
            64,
            66,
            "Financial and insurance activities",
            "Activiteiten op het gebied van financiële dienstverlening en verzekeringen",
        ),
        Section(
            "M", 68, 68, "Real estate activities", "Exploitatie van en handel in onroerend goed"
        ),
        Section(
            "N",
            69,
            75,
            "Professional, scientific and technical activities",
            "Wetenschappelijke en technische activiteiten en specialistische zakelijke "
            "dienstverlening",
        ),
        Section(
            "O",
            77,
            82,
            "Administrative and support service activities",
            "Verhuur van roerende goederen en overige zakelijke dienstverlening",
        ),
        Section(
            "P",
            84,
            84,
            "Public administration and defence; compulsory social security",
            "Openbaar bestuur, overheidsdiensten en verplichte sociale verzekeringen",
            "Public administration",
        ),
        Section("Q", 85, 85, "Education", "Onderwijs"),
        Section(
            "R",
            86,
            88,
            "Human health and social work activities",
            "Gezondheids- en welzijnszorg",
            "Health and social work",
        ),
        Section(
            "S",
            90,
            93,
            "Arts, sports and recreation",
            "Kunst, cultuur, sport en recreatie activiteiten",
        ),
        Section("T", 94, 96, "Other service activities", "Overige dienstverlening"),
        Section(
            "U",
            97,
            98,
            "Activities of households as employers and undifferentiated goods- and "
            "service-producing activities of households for own use",
            "Activiteiten van huishoudens als werkgever en niet-gedifferentieerde productie van "
            "goederen en diensten door huishoudens voor eigen gebruik",
            "Households as employers",
        ),
        Section(
            "V",
            99,
            99,
            "Activities of extraterritorial organisations and bodies",
            "Activiteiten van extraterritoriale organisaties en instanties",
            "Extraterritorial organisations",
        ),
    )
}

# SBI 2008 (NACE Rev. 2): 21 sections A-U by division range (sbi2008_sections.csv). G includes
# division 45 (motor trade); J covers 58-63; every later letter is one before its 2025 letter.
SECTIONS_2008: dict[str, Section] = {
    s.letter: s
    for s in (
        Section("A", 1, 3, "Agriculture, forestry and fishing", "Landbouw, bosbouw en visserij"),
        Section("B", 5, 9, "Mining and quarrying", "Winning van delfstoffen"),
        Section("C", 10, 33, "Manufacturing", "Industrie"),
        Section(
            "D",
            35,
            35,
            "Electricity, gas, steam and air conditioning supply",
            "Productie en distributie van en handel in elektriciteit, aardgas, stoom en gekoelde "
            "lucht",
        ),
        Section(
            "E",
            36,
            39,
            "Water supply; sewerage, waste management and remediation activities",
            "Winning en distributie van water; afval- en afvalwaterbeheer en sanering",
        ),
        Section("F", 41, 43, "Construction", "Bouwnijverheid"),
        Section(
            "G",
            45,
            47,
            "Wholesale and retail trade; repair of motor vehicles and motorcycles",
            "Groot- en detailhandel; reparatie van auto’s",
        ),
        Section("H", 49, 53, "Transportation and storage", "Vervoer en opslag"),
        Section(
            "I",
            55,
            56,
            "Accommodation and food service activities",
            "Logies-, maaltijd- en drankverstrekking",
        ),
        Section("J", 58, 63, "Information and communication", "Informatie en communicatie"),
        Section("K", 64, 66, "Financial and insurance activities", "Financiële instellingen"),
        Section("L", 68, 68, "Real estate activities", "Verhuur van en handel in onroerend goed"),
        Section(
            "M",
            69,
            75,
            "Professional, scientific and technical activities",
            "Advisering, onderzoek en overige specialistische zakelijke dienstverlening",
        ),
        Section(
            "N",
            77,
            82,
            "Administrative and support service activities",
            "Verhuur van roerende goederen en overige zakelijke dienstverlening",
        ),
        Section(
            "O",
            84,
            84,
            "Public administration and defence; compulsory social security",
            "Openbaar bestuur, overheidsdiensten en verplichte sociale verzekeringen",
        ),
        Section("P", 85, 85, "Education", "Onderwijs"),
        Section(
            "Q", 86, 88, "Human health and social work activities", "Gezondheids- en welzijnszorg"
        ),
        Section("R", 90, 93, "Arts, entertainment and recreation", "Cultuur, sport en recreatie"),
        Section("S", 94, 96, "Other service activities", "Overige dienstverlening"),
        Section(
            "T",
            97,
            98,
            "Activities of households as employers; undifferentiated goods- and "
            "services-producing activities of households for own use",
            "Huishoudens als werkgever; niet-gedifferentieerde productie van goederen en diensten "
            "door huishoudens voor eigen gebruik",
        ),
        Section(
            "U",
            99,
            99,
            "Activities of extraterritorial organisations and bodies",
            "Extraterritoriale organisaties en lichamen",
        ),
    )
}

# SBI 2025 divisions (the 87 level-2 rows of sbi2025.csv): code -> (English title, Dutch title).
DIVISIONS_2025: dict[str, tuple[str, str]] = {
    "01": (
        "Crop and animal production, hunting and related service activities",
        "Landbouw, jacht en dienstverlening voor de landbouw en jacht",
    ),
    "02": (
        "Forestry and logging",
        "Bosbouw, exploitatie van bossen en dienstverlening voor de bosbouw",
    ),
    "03": ("Fishing and aquaculture", "Visserij en aquacultuur"),
    "05": ("Mining of coal and lignite", "Winning van steenkool en bruinkool"),
    "06": ("Extraction of crude petroleum and natural gas", "Winning van aardolie en aardgas"),
    "07": ("Mining of metal ores", "Winning van metaalertsen"),
    "08": ("Other mining and quarrying", "Overige winning van delfstoffen"),
    "09": ("Mining support service activities", "Dienstverlening voor de winning van delfstoffen"),
    "10": ("Manufacture of food products", "Vervaardiging van voedingsmiddelen"),
    "11": ("Manufacture of beverages", "Vervaardiging van dranken"),
    "12": ("Manufacture of tobacco products", "Vervaardiging van tabaksproducten"),
    "13": ("Manufacture of textiles", "Vervaardiging van textiel"),
    "14": ("Manufacture of wearing apparel", "Vervaardiging van kleding"),
    "15": (
        "Manufacture of leather and related products of other materials",
        "Vervaardiging van leer, lederwaren en soortgelijke producten van andere materialen",
    ),
    "16": (
        (
            "Manufacture of wood and of products of wood and cork, except furniture; "
            "manufacture of articles of straw and plaiting materials"
        ),
        (
            "Houtindustrie en vervaardiging van artikelen van hout en kurk, met "
            "uitzondering van meubelen; vervaardiging van artikelen van riet en van "
            "vlechtwerk"
        ),
    ),
    "17": ("Manufacture of paper and paper products", "Vervaardiging van papier en papierwaren"),
    "18": (
        "Printing and reproduction of recorded media",
        "Activiteiten op het gebied van drukwerk en reproductie van opgenomen media",
    ),
    "19": (
        "Manufacture of coke and refined petroleum products",
        "Vervaardiging van cokes en van geraffineerde aardolieproducten",
    ),
    "20": (
        "Manufacture of chemicals and chemical products",
        "Vervaardiging van chemicaliën en chemische producten",
    ),
    "21": (
        "Manufacture of basic pharmaceutical products and pharmaceutical preparations",
        "Vervaardiging van farmaceutische grondstoffen en producten",
    ),
    "22": (
        "Manufacture of rubber and plastic products",
        "Vervaardiging van producten van rubber of kunststof",
    ),
    "23": (
        "Manufacture of other non-metallic mineral products",
        "Vervaardiging van overige niet-metaalhoudende minerale producten",
    ),
    "24": ("Manufacture of basic metals", "Vervaardiging van basismetalen"),
    "25": (
        "Manufacture of fabricated metal products, except machinery and equipment",
        "Vervaardiging van producten van metaal, met uitzondering van machines en apparatuur",
    ),
    "26": (
        "Manufacture of computer, electronic and optical products",
        "Vervaardiging van computers en van elektronische en optische apparatuur",
    ),
    "27": ("Manufacture of electrical equipment", "Vervaardiging van elektrische apparatuur"),
    "28": (
        "Manufacture of machinery and equipment n.e.c.",
        "Vervaardiging van machines en apparaten, n.e.g.",
    ),
    "29": (
        "Manufacture of motor vehicles, trailers and semi-trailers",
        "Vervaardiging van motorvoertuigen, aanhangwagens en opleggers",
    ),
    "30": ("Manufacture of other transport equipment", "Vervaardiging van overige vervoermiddelen"),
    "31": ("Manufacture of furniture", "Vervaardiging van meubelen"),
    "32": ("Other manufacturing", "Vervaardiging van overige goederen"),
    "33": (
        "Repair, maintenance and installation of machinery and equipment",
        "Reparatie, onderhoud en installatie van machines en apparaten",
    ),
    "35": (
        "Electricity, gas, steam and air conditioning supply",
        "Productie en distributie van en handel in elektriciteit, gas, stoom en gekoelde lucht",
    ),
    "36": (
        "Water collection, treatment and supply",
        "Winning, behandeling en distributie van water",
    ),
    "37": ("Sewerage", "Afvalwaterinzameling en -behandeling"),
    "38": (
        "Waste collection, recovery and disposal activities",
        "Afvalinzameling, voorbereiding tot recycling, en verwijdering",
    ),
    "39": (
        "Remediation activities and other waste management service activities",
        "Sanering en overig afvalbeheer",
    ),
    "41": (
        "Construction of residential and non-residential buildings",
        "Burgerlijke en utiliteitsbouw",
    ),
    "42": ("Civil engineering", "Grond-, water- en wegenbouw"),
    "43": ("Specialised construction activities", "Gespecialiseerde werkzaamheden in de bouw"),
    "46": ("Wholesale trade", "Groothandel"),
    "47": ("Retail trade", "Detailhandel"),
    "49": ("Land transport and transport via pipelines", "Vervoer over land en via pijpleidingen"),
    "50": ("Water transport", "Vervoer over water"),
    "51": ("Air transport", "Luchtvaart"),
    "52": (
        "Warehousing, storage and support activities for transportation",
        "Opslag en dienstverlening voor vervoer",
    ),
    "53": ("Postal and courier activities", "Post- en koeriersdiensten"),
    "55": ("Accommodation", "Logiesverstrekking en -bemiddeling"),
    "56": ("Food and beverage service activities", "Exploitatie van eet- en drinkgelegenheden"),
    "58": ("Publishing activities", "Activiteiten van uitgeverijen"),
    "59": (
        (
            "Motion picture, video and television programme production, sound recording and"
            " music publishing activities"
        ),
        (
            "Productie en distributie van films en video- en televisieprogramma’s en audio,"
            " maken van geluidsopnamen en uitgeven van muziekopnamen"
        ),
    ),
    "60": (
        "Programming, broadcasting, news agency and other content distribution activities",
        (
            "Programmering, uitzending, perssagentschappen en overige activiteiten op het "
            "gebied van de verspreiding van inhoud"
        ),
    ),
    "61": ("Telecommunication", "Telecommunicatie"),
    "62": (
        "Computer programming, consultancy and related activities",
        "Computerprogrammering, consultancy en aanverwante activiteiten",
    ),
    "63": (
        (
            "Computing infrastructure, data processing, hosting and other information "
            "service activities"
        ),
        "Dienstverlenende activiteiten op het gebied van informatie",
    ),
    "64": (
        "Financial service activities, except insurance and pension funding",
        "Financiële dienstverlening, met uitzondering van verzekeringen en pensioenfondsen",
    ),
    "65": (
        "Insurance, reinsurance and pension funding, except compulsory social security",
        (
            "Activiteiten op het gebied van verzekeringen en pensioenfondsen, met "
            "uitzondering van verplichte sociale verzekeringen"
        ),
    ),
    "66": (
        "Activities auxiliary to financial services and insurance activities",
        "Ondersteunende activiteiten voor financiële diensten, verzekeringen en pensioenen",
    ),
    "68": ("Real estate activities", "Exploitatie van en handel in onroerend goed"),
    "69": ("Legal and accounting activities", "Rechtskundige en boekhoudkundige dienstverlening"),
    "70": (
        "Activities of head offices and management consultancy",
        "Activiteiten van hoofdkantoren, interne concerndiensten en managementadvisering",
    ),
    "71": (
        "Architectural and engineering activities; technical testing and analysis",
        (
            "Activiteiten van architecten en ingenieurs; technisch ontwerp en advies, "
            "keuring en controle"
        ),
    ),
    "72": ("Scientific research and development", "Wetenschappelijk onderzoek en ontwikkeling"),
    "73": (
        "Activities of advertising, market research and public relations",
        "Reclameactiviteiten, marktonderzoek en public relations",
    ),
    "74": (
        "Other professional, scientific and technical activities",
        (
            "Overige wetenschappelijke en technische activiteiten en overige "
            "specialistische zakelijke dienstverlening"
        ),
    ),
    "75": ("Veterinary activities", "Veterinaire dienstverlening"),
    "77": ("Rental and leasing activities", "Verhuur en lease"),
    "78": (
        "Employment activities",
        "Arbeidsbemiddeling, activiteiten van uitzendbureaus en personeelsbeheer",
    ),
    "79": (
        "Travel agency, tour operator and other reservation service and related activities",
        (
            "Activiteiten van reisbureaus, reisorganisatoren, reserveringsbureaus en "
            "aanverwante activiteiten"
        ),
    ),
    "80": ("Investigation and security activities", "Opsporings- en beveiligingsdiensten"),
    "81": (
        "Services to buildings and landscape activities",
        "Diensten in verband met gebouwen; landschapsverzorging",
    ),
    "82": (
        "Office administrative, office support and other business support activities",
        (
            "Administratieve en ondersteunende activiteiten ten behoeve van kantoren en "
            "overige zakelijke dienstverlening"
        ),
    ),
    "84": (
        "Public administration and defence; compulsory social security",
        "Openbaar bestuur, overheidsdiensten en verplichte sociale verzekeringen",
    ),
    "85": ("Education", "Onderwijs"),
    "86": ("Human health activities", "Gezondheidszorg"),
    "87": ("Residential care activities", "Verpleging, verzorging en begeleiding met verblijf"),
    "88": (
        "Social work activities without accommodation",
        "Maatschappelijke dienstverlening zonder verblijf",
    ),
    "90": (
        "Arts creation and performing arts activities",
        "Activiteiten op het gebied van scheppende en uitvoerende kunst",
    ),
    "91": (
        "Libraries, archives, museums and other cultural activities",
        "Activiteiten van bibliotheken, archieven, musea en overige culturele activiteiten",
    ),
    "92": (
        "Gambling and betting activities",
        "Exploitatie van loterijen, kansspelen en kansspelautomaten",
    ),
    "93": (
        "Sports activities and amusement and recreation activities",
        "Sport, ontspanning en recreatie",
    ),
    "94": ("Activities of membership organisations", "Activiteiten van ledenorganisaties"),
    "95": (
        (
            "Repair and maintenance of computers, personal and household goods, and motor "
            "vehicles and motorcycles"
        ),
        "Reparatie en onderhoud van computers, consumentenartikelen, auto’s en motorfietsen",
    ),
    "96": ("Personal service activities", "Persoonlijke dienstverlening"),
    "97": (
        "Activities of households as employers of domestic personnel",
        "Activiteiten van huishoudens als werkgever van huishoudelijk personeel",
    ),
    "98": (
        (
            "Undifferentiated goods- and service-producing activities of private households"
            " for own use"
        ),
        (
            "Niet-gedifferentieerde productie van goederen en diensten door particuliere "
            "huishoudens voor eigen gebruik"
        ),
    ),
    "99": (
        "Activities of extraterritorial organisations and bodies",
        "Activiteiten van extraterritoriale organisaties en instanties",
    ),
}

# SBI 2008 division 45 (motor trade) has no SBI 2025 counterpart; the sector rule sends it to G.
# Title: NACE Rev. 2 division 45, for codes registered before September 2025.
DIVISION_45_2008 = (
    "Wholesale and retail trade and repair of motor vehicles and motorcycles (SBI 2008)",
    "Handel in en reparatie van auto’s, motorfietsen en aanhangers (SBI 2008)",
)

# Every SBI 2025 subclass (the 907 level-5 rows of sbi2025.csv), one division per line. The KvK
# registers only these 5-digit codes since September 2025; the sector rule needs to know them.
_SUBCLASS_CODES = """
    01110 01120 01131 01132 01133 01134 01140 01150 01160 01191 01192 01193 01199 01210 01220
    01230 01241 01242 01251 01252 01253 01254 01260 01270 01280 01290 01301 01302 01303 01304
    01305 01309 01411 01412 01421 01422 01430 01440 01451 01452 01461 01462 01463 01471 01472
    01473 01479 01481 01489 01500 01610 01620 01630 01700
    02100 02200 02300 02400
    03110 03120 03210 03220 03300
    05100 05200
    06100 06200
    07100 07210 07290
    08110 08120 08910 08920 08930 08990
    09100 09900
    10110 10120 10130 10200 10310 10320 10390 10410 10420 10510 10520 10610 10620 10710 10720
    10730 10810 10821 10822 10830 10840 10850 10860 10890 10910 10920
    11010 11020 11030 11040 11050 11060 11070
    12000
    13100 13200 13300 13910 13920 13930 13940 13950 13960 13990
    14100 14210 14220 14230 14240 14290
    15110 15120 15200
    16110 16120 16210 16220 16230 16240 16250 16260 16270 16280
    17110 17121 17122 17129 17211 17212 17220 17230 17240 17250
    18110 18121 18122 18123 18124 18125 18129 18130 18140 18200
    19100 19200
    20110 20120 20130 20141 20149 20150 20160 20170 20200 20300 20410 20420 20510 20590 20600
    21100 21200
    22110 22120 22210 22220 22230 22240 22250 22260
    23110 23120 23130 23140 23150 23200 23310 23320 23410 23420 23430 23440 23450 23510 23520
    23611 23612 23620 23630 23640 23650 23660 23700 23910 23990
    24100 24200 24310 24320 24330 24340 24410 24420 24430 24440 24450 24460 24510 24520 24530
    24540
    25110 25120 25210 25220 25300 25400 25510 25520 25530 25610 25620 25630 25910 25920 25930
    25940 25990
    26110 26120 26200 26300 26400 26510 26520 26600 26700
    27110 27120 27200 27310 27320 27330 27400 27510 27520 27900
    28110 28120 28130 28140 28150 28210 28220 28230 28240 28250 28290 28300 28410 28420 28910
    28920 28930 28940 28950 28960 28970 28990
    29100 29201 29202 29310 29320
    30110 30120 30130 30200 30310 30320 30400 30910 30920 30990
    31000
    32110 32120 32130 32200 32300 32400 32501 32502 32910 32990
    33110 33121 33122 33123 33130 33140 33150 33160 33170 33180 33190 33200
    35110 35121 35122 35123 35130 35140 35150 35160 35210 35220 35230 35240 35300 35400
    36000
    37000
    38110 38120 38210 38220 38230 38310 38320 38330
    39001 39002
    41000
    42110 42120 42130 42210 42220 42910 42990
    43110 43120 43130 43211 43212 43221 43222 43230 43240 43310 43320 43330 43340 43350 43410
    43420 43500 43600 43910 43990
    46110 46120 46130 46140 46150 46160 46170 46180 46190 46211 46212 46213 46214 46215 46216
    46217 46218 46219 46220 46231 46232 46241 46242 46311 46312 46321 46322 46331 46332 46340
    46350 46360 46370 46381 46382 46383 46389 46390 46411 46412 46421 46422 46423 46424 46425
    46429 46431 46432 46433 46434 46435 46441 46442 46450 46461 46462 46471 46472 46473 46480
    46491 46492 46493 46494 46495 46496 46497 46498 46499 46500 46610 46620 46630 46641 46642
    46643 46644 46645 46646 46647 46649 46710 46720 46730 46811 46812 46813 46821 46822 46823
    46831 46832 46833 46834 46835 46836 46837 46838 46839 46841 46842 46851 46852 46861 46862
    46869 46871 46872 46879 46890 46901 46902
    47110 47120 47210 47221 47222 47230 47241 47242 47250 47260 47271 47272 47273 47279 47300
    47401 47402 47403 47404 47511 47512 47513 47521 47522 47523 47524 47525 47526 47527 47530
    47541 47542 47543 47544 47551 47552 47553 47554 47555 47556 47557 47558 47610 47620 47631
    47632 47633 47634 47640 47690 47711 47712 47713 47714 47715 47716 47721 47722 47730 47741
    47742 47743 47750 47761 47762 47770 47781 47789 47791 47792 47793 47810 47820 47830 47910
    47920
    49110 49120 49200 49310 49320 49330 49340 49390 49410 49420 49500
    50100 50201 50202 50300 50401 50402 50403
    51100 51210 51220
    52101 52102 52109 52210 52220 52230 52241 52242 52250 52260 52310 52320
    53100 53201 53202 53300
    55101 55102 55201 55202 55300 55400 55900
    56111 56112 56120 56210 56220 56300 56400
    58110 58120 58130 58190 58210 58290
    59111 59112 59120 59130 59140 59200
    60100 60200 60310 60390
    61100 61200 61900
    62100 62200 62900
    63100 63910 63920
    64110 64191 64192 64193 64194 64210 64220 64310 64320 64910 64921 64922 64923 64929 64991
    64999
    65111 65112 65121 65122 65123 65200 65301 65302 65303 65309
    66110 66120 66191 66199 66210 66220 66291 66292 66293 66299 66300
    68110 68120 68201 68202 68203 68310 68320
    69101 69102 69103 69104 69105 69201 69202 69203 69204 69209
    70101 70102 70201 70202
    71111 71112 71120 71201 71202 71203
    72100 72200
    73110 73120 73200 73300
    74110 74120 74130 74140 74200 74300 74910 74990
    75000
    77111 77112 77120 77210 77221 77222 77229 77310 77320 77330 77340 77350 77390 77400 77510
    77520
    78100 78201 78202
    79110 79120 79900
    80010 80090
    81100 81210 81221 81222 81229 81230 81301 81302
    82100 82200 82300 82400 82910 82920 82990
    84110 84121 84122 84123 84130 84210 84220 84231 84232 84240 84250 84300
    85100 85201 85202 85203 85311 85312 85320 85330 85401 85402 85510 85521 85522 85530 85591
    85599 85610 85690
    86101 86102 86103 86104 86210 86221 86222 86230 86910 86920 86930 86941 86942 86943 86950
    86960 86970 86991 86992 86993 86994 86999
    87100 87201 87202 87301 87302 87910 87991 87992
    88101 88102 88103 88910 88991 88992 88999
    90110 90120 90130 90200 90310 90391 90392 90399
    91111 91119 91120 91211 91219 91220 91300 91410 91420
    92000
    93111 93112 93113 93114 93119 93121 93122 93123 93124 93129 93130 93191 93192 93193 93194
    93199 93210 93291 93292 93293 93299
    94110 94120 94200 94910 94920 94991 94992 94993 94994 94995 94996 94997
    95100 95210 95220 95230 95240 95250 95290 95311 95312 95313 95314 95315 95316 95320 95400
    96100 96210 96220 96230 96301 96302 96400 96910 96990
    97000
    98100 98200
    99000
"""
SUBCLASSES_2025 = frozenset(_SUBCLASS_CODES.split())


@dataclass(frozen=True, slots=True)
class Sector:
    """What an SBI code says about an employer's sector."""

    code: str  # as registered, e.g. "62100" (SBI 2025) or "6201" (SBI 2008)
    version: Version
    section: str  # SBI 2025 section letter: the one facet for both versions
    division: str  # the first two digits
    section_2008: str = ""  # the SBI 2008 letter of a 2008 code, for reference; "" for 2025

    @property
    def section_info(self) -> Section:
        return SECTIONS_2025[self.section]

    @property
    def section_title(self) -> str:
        return self.section_info.title_en

    @property
    def division_title(self) -> str:
        return division_title(self.division)


def division_title(division: str, *, dutch: bool | None = None) -> str:
    """The title of a 2-digit division ("" for one that exists in neither version), in the
    active language unless `dutch` says which."""
    titles = DIVISIONS_2025.get(division) or (DIVISION_45_2008 if division == "45" else None)
    if titles is None:
        return ""
    return titles[1] if (_dutch() if dutch is None else dutch) else titles[0]


def _dutch() -> bool:
    """Whether the active language is Dutch: the SBI has its own Dutch titles."""
    return (get_language() or "").startswith("nl")


def section_of_division(division: int, *, version: Version = "2025") -> Section | None:
    """The section a division belongs to in SBI 2025 (or 2008), or None outside every range."""
    sections = SECTIONS_2025 if version == "2025" else SECTIONS_2008
    for section in sections.values():
        if section.covers(division):
            return section
    return None


def classify(code: str) -> Sector | None:
    """The sector of a KvK activity code, by the sector rule of enrichment.md section 5.

    A 5-digit code known in SBI 2025 takes its SBI 2025 section. Any other code is read as
    SBI 2008: its first two digits map to the SBI 2025 section by division range (45, which
    SBI 2025 dropped, goes to G), and its SBI 2008 section is kept for reference. None for
    text that is not a 4- or 5-digit code, or whose division exists in neither version.
    """
    code = code.strip()
    if len(code) not in (4, 5) or not (code.isascii() and code.isdigit()):
        return None
    division = code[:2]
    if code in SUBCLASSES_2025:
        section = section_of_division(int(division))
        assert section is not None  # every known subclass lies in a section's range
        return Sector(code=code, version="2025", section=section.letter, division=division)
    old = section_of_division(int(division), version="2008")
    if old is None:
        return None
    new = SECTIONS_2025["G"] if division == "45" else section_of_division(int(division))
    if new is None:
        return None
    return Sector(
        code=code, version="2008", section=new.letter, division=division, section_2008=old.letter
    )


def divisions_of(section: str) -> list[str]:
    """The SBI 2025 divisions of a section, in order (for a division filter within a sector)."""
    info = SECTIONS_2025.get(section)
    if info is None:
        return []
    return [d for d in DIVISIONS_2025 if info.covers(int(d))]
