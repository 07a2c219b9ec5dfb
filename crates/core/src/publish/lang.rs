//! The languages of what people read: every visible text of `report.html` and the label fields of
//! the layers, in Finnish, Swedish or English (`--lang fi|sv|en`; the two cities publish in both
//! national languages). Texts are keyed by their English wording in one table ([`TEXTS`]), so a
//! text without a translation shows in English and the language tests find it. Dates are written
//! the local way with the ISO 8601 week number (viikko / vecka / week).

use chrono::{Datelike, NaiveDate};

use crate::error::{Error, Result};
use crate::stats::patterns::Pattern;

/// A language of the published texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Finnish (suomi).
    Fi,
    /// Swedish (svenska).
    Sv,
}

impl Lang {
    /// Every language, in the order of the table's columns.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Fi, Lang::Sv];

    /// Parses `en`, `fi` or `sv`.
    ///
    /// # Errors
    ///
    /// [`Error::Parameter`] for anything else.
    pub fn parse(text: &str) -> Result<Lang> {
        match text.trim().to_ascii_lowercase().as_str() {
            "en" => Ok(Lang::En),
            "fi" => Ok(Lang::Fi),
            "sv" => Ok(Lang::Sv),
            _ => Err(Error::parameter("lang", text, "must be fi, sv or en")),
        }
    }

    /// The ISO 639-1 code (`html lang`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fi => "fi",
            Lang::Sv => "sv",
        }
    }

    fn column(self) -> usize {
        match self {
            Lang::En => 0,
            Lang::Fi => 1,
            Lang::Sv => 2,
        }
    }

    /// `en` in this language: the table's entry, or `en` itself where it has none.
    pub fn t(self, en: &'static str) -> &'static str {
        if self == Lang::En {
            return en;
        }
        TEXTS.iter().find(|row| row[0] == en).map_or(en, |row| row[self.column()])
    }

    /// `en` in this language with `{}` replaced by `args` in order.
    pub fn f(self, en: &'static str, args: &[&dyn std::fmt::Display]) -> String {
        let mut out = String::new();
        let mut args = args.iter();
        let mut parts = self.t(en).split("{}");
        if let Some(first) = parts.next() {
            out.push_str(first);
        }
        for part in parts {
            if let Some(a) = args.next() {
                out.push_str(&a.to_string());
            }
            out.push_str(part);
        }
        out
    }

    /// `v` with `places` decimals: a point in English, a comma in Finnish and Swedish.
    pub fn decimal(self, v: f64, places: usize) -> String {
        let text = format!("{v:.places$}");
        if self == Lang::En { text } else { text.replace('.', ",") }
    }

    /// `v` in its shortest exact form, with a decimal comma in Finnish and Swedish.
    pub fn shortest(self, v: f64) -> String {
        if self == Lang::En { v.to_string() } else { v.to_string().replace('.', ",") }
    }

    /// Weekday `d` (0 = Monday), short.
    pub fn weekday_short(self, d: usize) -> &'static str {
        const NAMES: [[&str; 7]; 3] = [
            ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            ["ma", "ti", "ke", "to", "pe", "la", "su"],
            ["mån", "tis", "ons", "tors", "fre", "lör", "sön"],
        ];
        NAMES[self.column()][d % 7]
    }

    /// A date the local way: `Mon 7 Dec 2026`, `ma 7.12.2026`, `mån 7.12.2026`.
    pub fn date(self, date: NaiveDate) -> String {
        const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let day = self.weekday_short(date.weekday().num_days_from_monday() as usize);
        match self {
            Lang::En => format!("{day} {} {} {}", date.day(), MONTHS[date.month0() as usize], date.year()),
            Lang::Fi | Lang::Sv => format!("{day} {}.{}.{}", date.day(), date.month(), date.year()),
        }
    }

    /// The ISO 8601 week of `date`: `week 50`, `viikko 50`, `vecka 50`.
    pub fn week(self, date: NaiveDate) -> String {
        let n = date.iso_week().week();
        match self {
            Lang::En => format!("week {n}"),
            Lang::Fi => format!("viikko {n}"),
            Lang::Sv => format!("vecka {n}"),
        }
    }

    /// A pattern's short name (ArcGIS's in English).
    pub fn pattern(self, p: Pattern) -> &'static str {
        self.t(p.arcgis_label())
    }

    /// A pattern's one-line explanation.
    pub fn pattern_explained(self, p: Pattern) -> &'static str {
        match self {
            Lang::En => p.label_en(),
            Lang::Fi => p.label_fi(),
            Lang::Sv => p.label_sv(),
        }
    }

    /// A category label of the events (the sample's and the design's labels translated; any
    /// other label as it is); `None`: events without a category.
    pub fn category(self, label: Option<&str>) -> String {
        let text = match label {
            None => self.t("no category"),
            Some("substance") => self.t("substance use"),
            Some("mental_health") => self.t("mental health"),
            Some("rough_sleeping") => self.t("sleeping rough"),
            Some("safety") => self.t("safety"),
            Some("other") => self.t("other"),
            Some(other) => return other.to_string(),
        };
        text.to_string()
    }

    /// A parameter value or a rule's name as a word (`cube`, `city`, `none`, `changepoint`,
    /// `last_bin` …); anything else as it is.
    pub fn term(self, code: &str) -> &str {
        let en = match code {
            "cube" => "the whole cube",
            "neighborhood" => "the neighbourhood",
            "individual" => "each cell alone",
            "city" => "city",
            "district" => "district",
            "up" => "rising",
            "down" => "falling",
            "none" => "none",
            "changepoint" => "changepoint rule",
            "last_bin" => "last bin",
            "last_4" => "last four bins",
            "history" => "all earlier bins",
            "ewma" => "EWMA",
            "spatial_ewma" => "spatial EWMA",
            "poisson_lag" => "Poisson lag",
            other => return other,
        };
        self.t(en)
    }

    /// A team's compass label (`north`, `centre`, `north 2` …).
    pub fn direction(self, direction: &str) -> String {
        let (base, rest) = direction.split_once(' ').unwrap_or((direction, ""));
        let base = match base {
            "north" => self.t("north"),
            "east" => self.t("east"),
            "south" => self.t("south"),
            "west" => self.t("west"),
            "centre" => self.t("centre"),
            other => other,
        };
        if rest.is_empty() { base.to_string() } else { format!("{base} {rest}") }
    }
}

/// English, Finnish, Swedish. The first column is the key the code uses.
pub static TEXTS: &[[&str; 3]] = &[
    // Patterns (ArcGIS's names).
    ["New Hot Spot", "Uusi kuuma piste", "Ny het punkt"],
    ["Consecutive Hot Spot", "Yhtäjaksoinen kuuma piste", "Sammanhängande het punkt"],
    ["Intensifying Hot Spot", "Voimistuva kuuma piste", "Tilltagande het punkt"],
    ["Persistent Hot Spot", "Pysyvä kuuma piste", "Ihållande het punkt"],
    ["Diminishing Hot Spot", "Heikkenevä kuuma piste", "Avtagande het punkt"],
    ["Sporadic Hot Spot", "Satunnainen kuuma piste", "Sporadisk het punkt"],
    ["Oscillating Hot Spot", "Vaihteleva kuuma piste", "Växlande het punkt"],
    ["Historical Hot Spot", "Entinen kuuma piste", "Tidigare het punkt"],
    ["New Cold Spot", "Uusi kylmä piste", "Ny kall punkt"],
    ["Consecutive Cold Spot", "Yhtäjaksoinen kylmä piste", "Sammanhängande kall punkt"],
    ["Intensifying Cold Spot", "Voimistuva kylmä piste", "Tilltagande kall punkt"],
    ["Persistent Cold Spot", "Pysyvä kylmä piste", "Ihållande kall punkt"],
    ["Diminishing Cold Spot", "Heikkenevä kylmä piste", "Avtagande kall punkt"],
    ["Sporadic Cold Spot", "Satunnainen kylmä piste", "Sporadisk kall punkt"],
    ["Oscillating Cold Spot", "Vaihteleva kylmä piste", "Växlande kall punkt"],
    ["Historical Cold Spot", "Entinen kylmä piste", "Tidigare kall punkt"],
    ["No Pattern Detected", "Ei havaittua kaavaa", "Inget mönster"],
    // Directions.
    ["north", "pohjoinen", "norr"],
    ["east", "itä", "öster"],
    ["south", "etelä", "söder"],
    ["west", "länsi", "väster"],
    ["centre", "keskusta", "centrum"],
    // Parameter values and rules.
    ["the whole cube", "koko kuutio", "hela kuben"],
    ["the neighbourhood", "naapurusto", "grannskapet"],
    ["each cell alone", "kukin ruutu erikseen", "varje ruta för sig"],
    ["city", "kaupunki", "stad"],
    ["the built-in districts", "sisäänrakennetut suurpiirit", "de inbyggda distrikten"],
    ["district", "suurpiiri", "distrikt"],
    ["none", "ei", "ingen"],
    ["changepoint rule", "muutoskohtasääntö", "brytpunktsregel"],
    ["last bin", "viime jakso", "senaste perioden"],
    ["last four bins", "neljä viime jaksoa", "fyra senaste perioderna"],
    ["all earlier bins", "kaikki aiemmat jaksot", "alla tidigare perioder"],
    ["spatial EWMA", "alueellinen EWMA", "rumslig EWMA"],
    ["Poisson lag", "Poisson-viive", "Poisson-fördröjning"],
    // Categories of events.
    ["no category", "ei luokkaa", "ingen kategori"],
    ["substance use", "päihteet", "rusmedel"],
    ["mental health", "mielenterveys", "psykisk hälsa"],
    ["sleeping rough", "ulkona nukkuminen", "sover ute"],
    ["safety", "turvallisuus", "säkerhet"],
    ["other", "muu", "annat"],
    // The report.
    ["Mix of needs", "Tarpeet", "Behov"],
    [
        "Swipe sideways for more columns →",
        "Pyyhkäise sivulle nähdäksesi lisää sarakkeita →",
        "Svep i sidled för fler kolumner →",
    ],
    ["(+ needs under {})", "(+ tarpeet alle {})", "(+ behov under {})"],
    ["all events", "kaikki tapahtumat", "alla händelser"],
    ["encounters", "kohtaamiset", "möten"],
    ["concern reports", "huoli-ilmoitukset", "orosanmälningar"],
    ["{}, category {}", "{}, luokka {}", "{}, kategori {}"],
    ["(its window ended {})", "(sen aikaikkuna päättyi {})", "(dess tidsfönster slutade {})"],
    [
        "A cell is new when it became a hot spot, gone when it no longer is one, escalated when a hot spot became emerging (new, consecutive or intensifying) and calmer when it stopped being emerging. Patrol areas are matched by their area id; they escalate or calm down when their rank rises or falls. The map layer is changes.geojson.",
        "Ruutu on uusi, kun siitä tuli kuuma piste, poistunut, kun se ei enää ole kuuma piste, kiihtynyt, kun kuumasta pisteestä tuli nouseva (uusi, yhtäjaksoinen tai voimistuva), ja rauhoittunut, kun se ei enää ole nouseva. Partioalueet tunnistetaan alueen tunnisteesta; ne kiihtyvät tai rauhoittuvat, kun niiden sija nousee tai laskee. Karttataso on changes.geojson.",
        "En ruta är ny när den blev en het punkt, borta när den inte längre är det, skärpt när en het punkt blev framväxande (ny, sammanhängande eller tilltagande) och lugnare när den slutade vara framväxande. Patrullområden matchas med sitt id; de skärps eller lugnar sig när deras rang stiger eller sjunker. Kartlagret är changes.geojson.",
    ],
    ["Area", "Alue", "Område"],
    [
        "Areas: {} · events expected next week: about {}.",
        "Alueita: {} · odotettuja tapahtumia ensi viikolla: noin {}.",
        "Områden: {} · väntade händelser nästa vecka: cirka {}.",
    ],
    [
        "Busiest cells of all earlier bins",
        "Kaikkien aiempien jaksojen vilkkaimmat ruudut",
        "Livligaste rutorna under alla tidigare perioder",
    ],
    [
        "Busiest cells of the previous bin",
        "Edellisen jakson vilkkaimmat ruudut",
        "Livligaste rutorna under föregående period",
    ],
    [
        "Busiest cells of the previous four bins",
        "Neljän edellisen jakson vilkkaimmat ruudut",
        "Livligaste rutorna under de fyra föregående perioderna",
    ],
    ["Cells", "Ruutuja", "Rutor"],
    [
        "Clusters alive this bin (space-time scan)",
        "Tällä jaksolla elävät klusterit (aika-avaruusskannaus)",
        "Kluster som lever denna period (rum-tid-skanning)",
    ],
    ["Compared with the previous run", "Verrattu edelliseen ajoon", "Jämfört med föregående körning"],
    ["District", "Suurpiiri", "Distrikt"],
    [
        "Districts ranked by emerging activity",
        "Suurpiirit nousevan toiminnan mukaan",
        "Distrikt efter framväxande aktivitet",
    ],
    [
        "Each method chooses {} cells ({} % of the study area, what the teams can walk) from the bins before each held-out bin and is scored on it. {} − {}: {} points (95 % interval {} … {}).",
        "Kukin menetelmä valitsee {} ruutua ({} % tutkimusalueesta, sen mitä tiimit ehtivät kiertää) kutakin testijaksoa edeltävistä jaksoista, ja sitä arvioidaan testijaksolla. {} − {}: {} prosenttiyksikköä (95 %:n väli {} … {}).",
        "Varje metod väljer {} rutor ({} % av undersökningsområdet, vad teamen hinner gå) utifrån perioderna före varje testperiod och bedöms på den. {} − {}: {} procentenheter (95 %-intervall {} … {}).",
    ],
    [
        "Each municipality's teams walk the cells with the highest forecast of next bin's events, a share of {} % kept for new and intensifying hot spots; the cells are joined into walkable areas of at most {} km², shared among the municipality's own teams by compass direction. Expected events are the forecast ({}). The busiest hours come from the last 84 days. Office hours: Monday–Friday 08–16. Service gap: nearest service farther than {} m. Landmarks and districts are approximate.",
        "Kunkin kunnan tiimit kiertävät ruudut, joiden ennuste seuraavan jakson tapahtumista on suurin; {} % varataan uusille ja voimistuville kuumille pisteille. Ruudut yhdistetään kävellen kierrettäviksi, enintään {} km²:n alueiksi, jotka jaetaan kunnan omien tiimien kesken ilmansuunnan mukaan. Odotetut tapahtumat ovat ennuste ({}). Vilkkaimmat tunnit lasketaan viimeisiltä 84 päivältä. Virka-aika: maanantai–perjantai 08–16. Palveluvaje: lähin palvelu yli {} m:n päässä. Maamerkit ja suurpiirit ovat likimääräisiä.",
        "Varje kommuns team går de rutor som har den högsta prognosen för nästa periods händelser; {} % reserveras för nya och tilltagande heta punkter. Rutorna slås ihop till gångbara områden på högst {} km², som delas mellan kommunens egna team efter väderstreck. Väntade händelser är prognosen ({}). De livligaste timmarna räknas från de senaste 84 dagarna. Kontorstid: måndag–fredag 08–16. Servicelucka: närmaste service längre bort än {} m. Landmärken och distrikt är ungefärliga.",
    ],
    [
        "Emerging = new, consecutive or intensifying hot-spot cells. Counts under the small-count threshold are hidden; sums leave out what could tell a hidden count (README, Privacy).",
        "Nouseva = uusi, yhtäjaksoinen tai voimistuva kuuma ruutu. Pienen lukumäärän rajan alittavat luvut on piilotettu; summista jätetään pois se, mistä piilotetun luvun voisi päätellä (README).",
        "Framväxande = ny, sammanhängande eller tilltagande het ruta. Antal under gränsen för små tal döljs; summorna utelämnar det som kunde avslöja ett dolt antal (README).",
    ],
    ["Emerging cells", "Nousevia ruutuja", "Framväxande rutor"],
    ["Emerging hot spots", "Nousevat kuumat pisteet", "Framväxande heta punkter"],
    ["Events", "Tapahtumia", "Händelser"],
    ["Expected / week", "Odotettu / viikko", "Förväntat / vecka"],
    ["Flags", "Huomiot", "Flaggor"],
    ["H3 resolution {}", "H3-tarkkuus {}", "H3-upplösning {}"],
    [
        "Highest exponentially weighted average (α = {})",
        "Suurin eksponentiaalisesti painotettu keskiarvo (α = {})",
        "Högsta exponentiellt viktade medelvärde (α = {})",
    ],
    ["Hit rate", "Osumaosuus", "Träffandel"],
    ["Hit rate per held-out bin", "Osumaosuus testijaksoittain", "Träffandel per testperiod"],
    [
        "Hit rate: share of the bin's events in the chosen cells. PAI: hit rate ÷ area share. PEI: hit rate ÷ the oracle's. RRI: the chosen cells' change in events over the city's change.",
        "Osumaosuus: valittujen ruutujen osuus jakson tapahtumista. PAI: osumaosuus ÷ pinta-alaosuus. PEI: osumaosuus ÷ oraakkelin osumaosuus. RRI: valittujen ruutujen tapahtumien muutos suhteessa koko kaupungin muutokseen.",
        "Träffandel: de valda rutornas andel av periodens händelser. PAI: träffandel ÷ ytandel. PEI: träffandel ÷ orakelns. RRI: de valda rutornas förändring i händelser i förhållande till hela stadens.",
    ],
    ["Hot cells", "Kuumia ruutuja", "Heta rutor"],
    ["Hot-spot cells", "Kuumat ruudut", "Heta rutor"],
    ["Job", "Ajo", "Jobb"],
    ["Landmark (approximate)", "Maamerkki (likimääräinen)", "Landmärke (ungefärligt)"],
    ["Last bin", "Viime jakso", "Senaste period"],
    ["Method", "Menetelmä", "Metod"],
    ["Nearest service", "Lähin palvelu", "Närmaste service"],
    ["Next week's patrol areas", "Ensi viikon partioalueet", "Nästa veckas patrullområden"],
    [
        "No cell has a hot-spot pattern: no patrol area to propose.",
        "Yhdelläkään ruudulla ei ole kuuman pisteen kaavaa: partioalueita ei ehdoteta.",
        "Ingen ruta har ett mönster av het punkt: inga patrullområden att föreslå.",
    ],
    [
        "No districts layer was given (use --districts).",
        "Suurpiiritasoa ei annettu (käytä --districts).",
        "Inget distriktslager angavs (använd --districts).",
    ],
    [
        "Parameters: resolution {} · {} bins · {} · time window {} · global window {} · α = {} · FDR {} · permutations {} · scope {} · min count {} · time zone {} · districts {} · overall trend {} (Mann-Kendall). Row accounting, exact figures and rejects are in the internal folder.",
        "Parametrit: tarkkuus {} · {} jaksoa · {} · aikaikkuna {} · globaali ikkuna {} · α = {} · FDR {} · permutaatioita {} · laajuus {} · pienin lukumäärä {} · aikavyöhyke {} · suurpiirit {} · kokonaistrendi {} (Mann-Kendall). Rivikirjanpito, tarkat luvut ja hylätyt rivit ovat sisäisessä kansiossa.",
        "Parametrar: upplösning {} · {} perioder · {} · tidsfönster {} · globalt fönster {} · α = {} · FDR {} · permutationer {} · omfattning {} · minsta antal {} · tidszon {} · distrikt {} · total trend {} (Mann-Kendall). Radbokföring, exakta tal och avvisade rader finns i den interna mappen.",
    ],
    ["Patrol areas", "Partioalueet", "Patrullområden"],
    ["Per bin", "Jaksoittain", "Per period"],
    ["Significance", "Merkitsevyys", "Signifikans"],
    ["Since", "Alkaen", "Sedan"],
    ["Since the last run", "Edellisestä ajosta", "Sedan föregående körning"],
    ["Team", "Tiimi", "Team"],
    ["The best possible choice (oracle)", "Paras mahdollinen valinta (oraakkeli)", "Bästa möjliga val (orakel)"],
    [
        "The plan's forecast from the public counts only",
        "Suunnitelman ennuste pelkistä julkisista luvuista",
        "Planens prognos enbart från de offentliga talen",
    ],
    ["The run", "Ajo", "Körningen"],
    [
        "This is the first run in this folder: there is nothing to compare with yet.",
        "Tämä on ensimmäinen ajo tässä kansiossa: vertailukohtaa ei vielä ole.",
        "Detta är den första körningen i mappen: det finns ännu inget att jämföra med.",
    ],
    ["This plan", "Tämä suunnitelma", "Denna plan"],
    ["Trend", "Suunta", "Riktning"],
    ["When", "Milloin", "När"],
    ["When (busiest hours)", "Milloin (vilkkaimmat tunnit)", "När (livligaste timmarna)"],
    ["Where", "Missä", "Var"],
    ["Why", "Miksi", "Varför"],
    [
        "Would the plan have worked? Backtest over the last {} bins",
        "Olisiko suunnitelma toiminut? Jälkitesti viimeisillä {} jaksolla",
        "Skulle planen ha fungerat? Efterhandstest över de senaste {} perioderna",
    ],
    ["calmer", "rauhoittunut", "lugnare"],
    ["daily", "päivittäistä", "dagliga"],
    ["emerging", "nouseva", "framväxande"],
    ["escalated", "kiihtynyt", "skärpt"],
    ["events per bin", "tapahtumia jaksoittain", "händelser per period"],
    ["falling", "laskeva", "sjunkande"],
    ["forecast", "ennuste", "prognos"],
    ["generated by hotspots", "tuottanut hotspots", "skapad av hotspots"],
    ["gone", "poistunut", "borta"],
    [
        "map of emerging hot spots and patrol areas",
        "kartta nousevista kuumista pisteistä ja partioalueista",
        "karta över framväxande heta punkter och patrullområden",
    ],
    ["monthly", "kuukausittaista", "månatliga"],
    ["neighbours within {} m", "naapurit {} m:n säteellä", "grannar inom {} m"],
    ["new", "uusi", "ny"],
    ["not significant", "ei merkitsevä", "inte signifikant"],
    ["off", "pois", "av"],
    ["on", "päällä", "på"],
    ["outside office hours", "virka-ajan ulkopuolella", "utanför kontorstid"],
    ["plan", "suunnitelma", "plan"],
    ["rising", "kasvava", "stigande"],
    ["service gap", "palveluvaje", "servicelucka"],
    ["steady", "tasainen", "stabil"],
    ["unmet concern", "täyttämätön huoli", "obemött oro"],
    ["was {}", "oli {}", "var {}"],
    ["weekly", "viikoittaista", "veckovisa"],
    ["{} cells", "{} ruutua", "{} rutor"],
    ["{} km from {}", "{} km päässä kohteesta {}", "{} km från {}"],
    [
        "{} of the area: plan {} %, best naive {} %",
        "{} alueesta: suunnitelma {} %, paras naiivi {} %",
        "{} av området: plan {} %, bästa naiva {} %",
    ],
    [
        "{} of {} clusters are significant (p ≤ 0.05). A cluster is a circle of cells whose events in its last bins (ending now) are more than the place and the time alone would make expected; the prospective space-time permutation scan (Kulldorff et al. 2005) looks at every size at once. A cluster at p ≤ 0.01 would turn up by chance in fewer than one in a hundred runs.",
        "{} / {} klusterista on merkitseviä (p ≤ 0,05). Klusteri on ympyrä ruutuja, joiden tapahtumia sen viimeisillä jaksoilla (nyt päättyen) on enemmän kuin paikka ja aika yksinään saisivat odottamaan; prospektiivinen aika-avaruuspermutaatioskannaus (Kulldorff ym. 2005) tutkii kaikki koot kerralla. Klusteri, jonka p ≤ 0,01, syntyisi sattumalta alle yhdessä sadasta ajosta.",
        "{} av {} kluster är signifikanta (p ≤ 0,05). Ett kluster är en cirkel av rutor vars händelser under de senaste perioderna (som slutar nu) är fler än platsen och tiden ensamma skulle ge anledning att vänta; den prospektiva rum-tid-permutationsskanningen (Kulldorff m.fl. 2005) prövar alla storlekar samtidigt. Ett kluster med p ≤ 0,01 skulle uppstå av en slump i färre än en av hundra körningar.",
    ],
    ["{} {} bins from {} to {}", "{} {} jaksoa {} – {}", "{} {} perioder från {} till {}"],
    ["blind spot", "katvealue", "blind fläck"],
    ["explore", "kartoitus", "utforskning"],
    [
        "Blind spots: concern without patrols",
        "Katvealueet: huolta ilman partiointia",
        "Blinda fläckar: oro utan patrullering",
    ],
    [
        "Blind spots: not checked (no patrol log)",
        "Katvealueet: ei tarkistettu (ei partiointilokia)",
        "Blinda fläckar: inte kontrollerade (ingen patrulleringslogg)",
    ],
    [
        "No patrol log was given. Encounters are recorded only where pairs walk, so this plan, made from where events were recorded, may send pairs only where they have already been: a place where people are in need but no pair has walked is unlikely to become a hot spot. Ask the analyst to add the patrol log (--effort) to find the blind spots.",
        "Partiointilokia ei annettu. Kohtaamiset kirjautuvat vain sinne, missä parit kulkevat, joten tämä kirjattujen tapahtumien paikoista tehty suunnitelma voi ohjata pareja vain sinne, missä on jo kuljettu: paikka, jossa ihmiset tarvitsevat apua mutta jossa yksikään pari ei ole kulkenut, tuskin nousee kuumaksi pisteeksi. Pyydä analyytikkoa lisäämään partiointiloki (--effort), niin katvealueet löytyvät.",
        "Ingen patrulleringslogg gavs. Möten registreras bara där paren går, så den här planen, gjord av var händelser registrerats, kan skicka paren bara dit de redan varit: en plats där människor behöver hjälp men dit inget par gått blir sannolikt ingen het punkt. Be analytikern lägga till patrulleringsloggen (--effort) för att hitta de blinda fläckarna.",
    ],
    [
        "Explore: residents report concern but pairs have hardly walked there (under {} patrol hours in the last {} bins, against {} in a typical patrolled place). {}\u{a0}% of each municipality's patrol budget goes to such places; the plan has {} areas marked explore. Walk them to see what is there: they have no busiest hours yet.",
        "Kartoitus: asukkaat ilmoittavat huolesta, mutta parit ovat tuskin kulkeneet siellä (alle {} partiointituntia viimeisten {} jakson aikana, kun tavallisessa partioidussa paikassa partioitiin {} tuntia). {}\u{a0}% kunkin kunnan partiointiresurssista menee tällaisiin paikkoihin; suunnitelmassa on {} kartoitukseen merkittyä aluetta. Kulkekaa niissä nähdäksenne, mitä siellä on: niillä ei vielä ole vilkkainta aikaa.",
        "Utforskning: invånare hör av sig med oro, men paren har knappt gått där (under {} patrulltimmar under de senaste {} perioderna, jämfört med {} timmar på en typisk patrullerad plats). {}\u{a0}% av varje kommuns patrullresurser går till sådana platser; planen har {} områden märkta utforskning. Gå där för att se vad som finns: de har ännu inga livligaste timmar.",
    ],
    ["Hours", "Tunnit", "Timmar"],
    ["In the plan", "Suunnitelmassa", "I planen"],
    ["area\u{a0}{}", "alue\u{a0}{}", "område\u{a0}{}"],
    ["no: the share is used up", "ei: osuus on käytetty", "nej: andelen är förbrukad"],
    [
        "Places with fewer than {} concern reports are not listed in the shared files (the internal files list every one). Residents' concern reports arrive whether or not a pair walks there, so they show need the encounter record cannot. Hours: patrol hours there in the last {} bins.",
        "Paikkoja, joista on alle {} huoli-ilmoitusta, ei luetella jaettavissa tiedostoissa (sisäiset tiedostot luettelevat kaikki). Asukkaiden huoli-ilmoituksia tulee riippumatta siitä, kulkeeko pari siellä, joten ne näyttävät tarpeen, jota kohtaamisten kirjaus ei näytä. Tunnit: partiointitunnit siellä viimeisten {} jakson aikana.",
        "Platser med färre än {} oroskontakter listas inte i de delade filerna (de interna filerna listar alla). Invånarnas oroskontakter kommer oavsett om ett par går där, så de visar behov som registret över möten inte kan visa. Timmar: patrulltimmar där under de senaste {} perioderna.",
    ],
    [
        "This plan without exploring (the whole budget by the forecast)",
        "Tämä suunnitelma ilman kartoitusta (koko resurssi ennusteen mukaan)",
        "Denna plan utan utforskning (hela resursen enligt prognosen)",
    ],
    ["plan without exploring", "suunnitelma ilman kartoitusta", "plan utan utforskning"],
    [
        "Sending pairs to blind spots lowered the hit rate by {} percentage points ({}\u{a0}% against {}\u{a0}%): what they find there was not yet in the record, so this test cannot credit it. ",
        "Parien lähettäminen katvealueille laski osumaosuutta {} prosenttiyksikköä ({}\u{a0}% vs. {}\u{a0}%): mitä ne sieltä löytävät, ei ollut vielä kirjauksissa, joten tämä testi ei voi ottaa sitä huomioon. ",
        "Att skicka par till blinda fläckar sänkte träffandelen med {} procentenheter ({}\u{a0}% mot {}\u{a0}%): det de hittar där fanns ännu inte i registret, så det här testet kan inte räkna det. ",
    ],
    [
        "Sending pairs to blind spots raised the hit rate by {} percentage points ({}\u{a0}% against {}\u{a0}%). ",
        "Parien lähettäminen katvealueille nosti osumaosuutta {} prosenttiyksikköä ({}\u{a0}% vs. {}\u{a0}%). ",
        "Att skicka par till blinda fläckar höjde träffandelen med {} procentenheter ({}\u{a0}% mot {}\u{a0}%). ",
    ],
    ["Plan without exploring", "Suunnitelma ilman kartoitusta", "Plan utan utforskning"],
    [
        "{} of the area: plan without exploring {} %, best naive {} %",
        "{} alueesta: suunnitelma ilman kartoitusta {} %, paras naiivi {} %",
        "{} av området: plan utan utforskning {} %, bästa naiva {} %",
    ],
    ["Plan", "Suunnitelma", "Plan"],
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_carry_the_local_form_and_the_iso_week() {
        // 2026-12-07 is a Monday of ISO week 50; 2027-01-01 is a Friday of 2026's week 53.
        let monday = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(Lang::En.date(monday), "Mon 7 Dec 2026");
        assert_eq!(Lang::Fi.date(monday), "ma 7.12.2026");
        assert_eq!(Lang::Sv.date(monday), "mån 7.12.2026");
        assert_eq!(Lang::Fi.week(monday), "viikko 50");
        assert_eq!(Lang::Sv.week(monday), "vecka 50");
        let new_year = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert_eq!(Lang::En.week(new_year), "week 53");
    }

    #[test]
    fn every_text_has_its_own_translation_and_placeholders_match() {
        let mut keys = std::collections::BTreeSet::new();
        for row in TEXTS {
            assert!(keys.insert(row[0]), "`{}` is in the table twice", row[0]);
            for lang in [Lang::Fi, Lang::Sv] {
                let text = row[lang.column()];
                assert!(!text.trim().is_empty(), "`{}` has no {lang:?} text", row[0]);
                assert_eq!(text.matches("{}").count(), row[0].matches("{}").count(), "placeholders of `{}`", row[0]);
            }
        }
        assert_eq!(
            Lang::Fi.f("{} of {} areas", &[&2, &5]),
            Lang::Fi.t("{} of {} areas").replacen("{}", "2", 1).replacen("{}", "5", 1)
        );
        assert_eq!(Lang::parse("SV").unwrap(), Lang::Sv);
        assert!(Lang::parse("de").is_err());
        assert_eq!(Lang::Sv.direction("north 2"), "norr 2");
    }
}
