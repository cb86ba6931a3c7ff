//! The haiku's `{time_of_day}` and `{weather}`: which hours of which day the haiku is about (from
//! the site's clock), and one line describing Open-Meteo's forecast for those hours.

use std::time::Duration;

use atg_core::SiteInfo;
use chrono::{Days, NaiveDate, NaiveDateTime, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// How long the forecast may take before the haiku goes without it.
pub const WEATHER_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest forecast reply read (two days of four hourly series is a few kilobytes).
const MAX_REPLY_BYTES: usize = 1024 * 1024;

/// The hours a haiku is about: this afternoon until 18:00, this evening until 21:00, then
/// tomorrow afternoon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    /// "Afternoon" or "Evening": the prompt's `{time_of_day}`.
    pub label: &'static str,
    pub date: NaiveDate,
    /// The first and last hour (both included).
    pub hours: (u32, u32),
}

impl TimeWindow {
    /// The window for a moment on the site's clock.
    pub fn at(now_local: NaiveDateTime) -> Self {
        let today = now_local.date();
        match now_local.hour() {
            h if h < 18 => Self {
                label: "Afternoon",
                date: today,
                hours: (14, 17),
            },
            h if h < 21 => Self {
                label: "Evening",
                date: today,
                hours: (18, 21),
            },
            _ => Self {
                label: "Afternoon",
                date: today.checked_add_days(Days::new(1)).unwrap_or(today),
                hours: (14, 17),
            },
        }
    }

    fn contains(&self, at: NaiveDateTime) -> bool {
        at.date() == self.date && (self.hours.0..=self.hours.1).contains(&at.hour())
    }
}

/// Where a site's forecast comes from: both coordinates and the URL are in its config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeatherQuery {
    pub url: String,
    pub latitude: f64,
    pub longitude: f64,
    #[serde(with = "atg_core::tz_name")]
    pub zone: Tz,
}

impl WeatherQuery {
    /// The site's query, or `None` when it has no coordinates or no `weather_url`.
    pub fn for_site(site: &SiteInfo) -> Option<Self> {
        let (latitude, longitude) = site.coordinates?;
        Some(Self {
            url: site.weather_url.clone()?,
            latitude,
            longitude,
            zone: site.timezone,
        })
    }
}

/// Why there is no weather line (the haiku is still asked for, with an empty `{weather}`).
#[derive(Debug, thiserror::Error)]
pub enum WeatherError {
    #[error("cannot reach the forecast at {url}: {message}")]
    Network { url: String, message: String },
    #[error("the forecast at {url} answered {status}")]
    Status { url: String, status: u16 },
    #[error("the forecast at {url} could not be read: {message}")]
    Malformed { url: String, message: String },
}

/// Open-Meteo's reply: parallel hourly series.
#[derive(Debug, Deserialize)]
struct Forecast {
    hourly: Hourly,
}

#[derive(Debug, Deserialize)]
struct Hourly {
    time: Vec<String>,
    temperature_2m: Vec<Option<f64>>,
    weather_code: Vec<Option<u32>>,
    wind_speed_10m: Vec<Option<f64>>,
    relative_humidity_2m: Vec<Option<f64>>,
}

/// One GET for the window's forecast, described in one line: `"52°F, overcast, light breeze,
/// 80% humidity"`.
pub async fn fetch_weather(
    query: &WeatherQuery,
    window: TimeWindow,
) -> Result<String, WeatherError> {
    let url = query.url.as_str();
    let network = |e: reqwest::Error| WeatherError::Network {
        url: url.to_string(),
        message: e.without_url().to_string(),
    };
    // The config's forecast URL is the operator's; where it redirects to is held to the rule.
    let outbound = atg_http::Outbound {
        internal: atg_http::InternalHosts::of([url]),
        ..atg_http::Outbound::default()
    }
    .with_timeout(WEATHER_TIMEOUT);
    outbound.check(url).map_err(|why| WeatherError::Network {
        url: url.to_string(),
        message: why.0,
    })?;
    let http = outbound.client().map_err(network)?;
    let mut resp = http
        .get(url)
        .query(&[
            ("latitude", query.latitude.to_string()),
            ("longitude", query.longitude.to_string()),
            (
                "hourly",
                "temperature_2m,weather_code,wind_speed_10m,relative_humidity_2m".to_string(),
            ),
            ("temperature_unit", "fahrenheit".to_string()),
            ("timezone", query.zone.name().to_string()),
            ("forecast_days", "2".to_string()),
        ])
        .send()
        .await
        .map_err(network)?;
    let status = resp.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(WeatherError::Status {
            url: url.to_string(),
            status,
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(network)? {
        if body.len() + chunk.len() > MAX_REPLY_BYTES {
            return Err(WeatherError::Malformed {
                url: url.to_string(),
                message: format!("the reply is larger than {MAX_REPLY_BYTES} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    describe(&body, window).map_err(|message| WeatherError::Malformed {
        url: url.to_string(),
        message,
    })
}

/// The forecast's hours inside the window, averaged into one line.
fn describe(body: &[u8], window: TimeWindow) -> Result<String, String> {
    let forecast: Forecast = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let h = forecast.hourly;
    let n = h.time.len();
    if [
        h.temperature_2m.len(),
        h.weather_code.len(),
        h.wind_speed_10m.len(),
        h.relative_humidity_2m.len(),
    ]
    .iter()
    .any(|len| *len != n)
    {
        return Err("the hourly series are not the same length".into());
    }
    let hours: Vec<usize> = (0..n)
        .filter(|&i| {
            NaiveDateTime::parse_from_str(&h.time[i], "%Y-%m-%dT%H:%M")
                .is_ok_and(|t| window.contains(t))
        })
        .collect();
    let mean = |series: &[Option<f64>]| {
        let values: Vec<f64> = hours
            .iter()
            .filter_map(|&i| series[i])
            .filter(|v| v.is_finite())
            .collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    let (Some(temp), Some(wind), Some(humidity)) = (
        mean(&h.temperature_2m),
        mean(&h.wind_speed_10m),
        mean(&h.relative_humidity_2m),
    ) else {
        return Err(format!(
            "no forecast for {} {:02}:00–{:02}:00",
            window.date, window.hours.0, window.hours.1
        ));
    };
    // The hours' most frequent sky; of equally frequent ones, the stormier (higher code).
    let mut codes: Vec<u32> = hours.iter().filter_map(|&i| h.weather_code[i]).collect();
    codes.sort_unstable();
    let code = codes
        .chunk_by(|a, b| a == b)
        .max_by_key(|run| (run.len(), run[0]))
        .map(|run| run[0]);
    let mut parts = vec![format!("{}°F", temp.round())];
    if let Some(c) = code {
        parts.push(sky(c).to_string());
    }
    parts.push(wind_words(wind).to_string());
    parts.push(format!("{}% humidity", humidity.round()));
    Ok(parts.join(", "))
}

/// A WMO weather code's name.
fn sky(code: u32) -> &'static str {
    match code {
        0 => "clear sky",
        1 => "mainly clear",
        2 => "partly cloudy",
        3 => "overcast",
        45 => "foggy",
        48 => "depositing rime fog",
        51 => "light drizzle",
        53 => "moderate drizzle",
        55 => "dense drizzle",
        56 => "light freezing drizzle",
        57 => "dense freezing drizzle",
        61 => "slight rain",
        63 => "moderate rain",
        65 => "heavy rain",
        66 => "light freezing rain",
        67 => "heavy freezing rain",
        71 => "slight snowfall",
        73 => "moderate snowfall",
        75 => "heavy snowfall",
        77 => "snow grains",
        80 => "slight rain showers",
        81 => "moderate rain showers",
        82 => "violent rain showers",
        85 => "slight snow showers",
        86 => "heavy snow showers",
        95 => "thunderstorm",
        96 => "thunderstorm with slight hail",
        99 => "thunderstorm with heavy hail",
        _ => "unsettled weather",
    }
}

/// Wind in km/h, in words.
fn wind_words(kmh: f64) -> &'static str {
    match kmh {
        k if k < 5.0 => "calm winds",
        k if k < 15.0 => "light breeze",
        k if k < 25.0 => "breezy",
        k if k < 40.0 => "windy",
        _ => "strong winds",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(date: &str, hour: u32) -> NaiveDateTime {
        NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(hour, 30, 0)
            .unwrap()
    }

    #[test]
    fn the_window_follows_the_clock() {
        let w = TimeWindow::at(at("2026-12-03", 9));
        assert_eq!((w.label, w.hours), ("Afternoon", (14, 17)));
        assert_eq!(w.date.to_string(), "2026-12-03");
        let w = TimeWindow::at(at("2026-12-03", 17));
        assert_eq!((w.label, w.hours), ("Afternoon", (14, 17)));
        let w = TimeWindow::at(at("2026-12-03", 18));
        assert_eq!((w.label, w.hours), ("Evening", (18, 21)));
        let w = TimeWindow::at(at("2026-12-03", 20));
        assert_eq!(w.label, "Evening");
        let w = TimeWindow::at(at("2026-12-31", 21));
        assert_eq!((w.label, w.hours), ("Afternoon", (14, 17)));
        assert_eq!(w.date.to_string(), "2027-01-01");
    }

    fn reply(day: &str, temps: [f64; 24], codes: [u32; 24], wind: f64, humidity: f64) -> Vec<u8> {
        let time: Vec<String> = (0..24).map(|h| format!("{day}T{h:02}:00")).collect();
        let (wind, humidity) = ([wind; 24], [humidity; 24]);
        json!({"hourly": {
            "time": time,
            "temperature_2m": temps,
            "weather_code": codes,
            "wind_speed_10m": wind,
            "relative_humidity_2m": humidity,
        }})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn the_windows_hours_are_averaged() {
        let mut temps = [0.0; 24];
        temps[14] = 50.0;
        temps[15] = 52.0;
        temps[16] = 54.0;
        temps[17] = 56.0;
        let mut codes = [0; 24];
        codes[14] = 3;
        codes[15] = 3;
        codes[16] = 61;
        let body = reply("2026-12-03", temps, codes, 10.0, 79.6);
        let w = TimeWindow::at(at("2026-12-03", 10));
        assert_eq!(
            describe(&body, w).unwrap(),
            "53°F, overcast, light breeze, 80% humidity"
        );
        // Another day's hours are not this window's.
        let w = TimeWindow::at(at("2026-12-02", 10));
        assert!(describe(&body, w).is_err());
    }

    #[test]
    fn bad_replies_are_errors() {
        let w = TimeWindow::at(at("2026-12-03", 10));
        assert!(describe(b"{}", w).is_err());
        assert!(describe(b"not json", w).is_err());
        let uneven = json!({"hourly": {"time": ["2026-12-03T14:00"], "temperature_2m": [],
            "weather_code": [], "wind_speed_10m": [], "relative_humidity_2m": []}});
        assert!(describe(uneven.to_string().as_bytes(), w).is_err());
    }

    #[test]
    fn wind_and_sky_words() {
        assert_eq!(wind_words(2.0), "calm winds");
        assert_eq!(wind_words(14.9), "light breeze");
        assert_eq!(wind_words(20.0), "breezy");
        assert_eq!(wind_words(30.0), "windy");
        assert_eq!(wind_words(60.0), "strong winds");
        assert_eq!(sky(95), "thunderstorm");
        assert_eq!(sky(73), "moderate snowfall");
    }
}
