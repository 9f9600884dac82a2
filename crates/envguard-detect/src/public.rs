//! Identifiers that look like credentials but are public by design: the vendor
//! publishes them in every page or app that uses them, so writing them down
//! leaks nothing. Each entry says why; anything a vendor documents as
//! server-side only stays a secret.

/// A value that is a public identifier whatever key it sits under.
///
/// * `pk_live_…`, `pk_test_…`: Stripe *publishable* keys. Stripe: "Publishable
///   keys … can be publicly accessible in your web or mobile app's client-side
///   code". The secret ones (`sk_…`, `rk_…`) are separate rules.
/// * `pk.eyJ…`: Mapbox *public* access tokens, meant for client apps; secret
///   Mapbox tokens start with `sk.` and stay secrets.
/// * `G-XXXXXXXXXX`, `UA-12345678-1`, `GTM-ABCD123`, `AW-123456789`, `GT-…`:
///   Google Analytics / Tag Manager / Ads measurement ids, written into every
///   tracked page's `<script>` tag.
pub(crate) fn is_public_value(v: &str) -> bool {
    if v.starts_with("pk_live_") || v.starts_with("pk_test_") || v.starts_with("pk.eyJ") {
        return true;
    }
    let upper_alnum = |s: &[u8]| {
        !s.is_empty()
            && s.iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    };
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    match v.split_once('-') {
        Some(("G" | "GT" | "GTM", rest)) => {
            (4..=12).contains(&rest.len()) && upper_alnum(rest.as_bytes())
        }
        Some(("AW", rest)) => (6..=12).contains(&rest.len()) && digits(rest.as_bytes()),
        Some(("UA", rest)) => match rest.split_once('-') {
            Some((account, property)) => {
                (4..=10).contains(&account.len())
                    && digits(account.as_bytes())
                    && property.len() <= 4
                    && digits(property.as_bytes())
            }
            None => false,
        },
        _ => false,
    }
}

/// Lower-case key segments that make a secret-named key hold a public value.
///
/// * `gtm` (`gtm_auth`, `gtm_preview`, `GTM_AUTH`) or `tag` + `manager`
///   (`GOOGLE_TAG_MANAGER_AUTH`, `googleTagManagerAuth`): Google Tag Manager
///   environment parameters, part of the container snippet served to every
///   visitor of the site.
/// * `algolia` + `search` (`ALGOLIA_SEARCH_API_KEY`, `algoliaSearchKey`) and
///   `search` + `only` (`search_only_api_key`): Algolia *search-only* keys,
///   which Algolia documents as safe to use in front-end code. The admin and
///   write keys stay secrets, and so does a plain `SEARCH_API_KEY` (an Azure
///   AI Search key may be an admin key).
pub(crate) fn is_public_key_segments(segs: &[&[u8]]) -> bool {
    let has = |w: &str| segs.iter().any(|s| s.eq_ignore_ascii_case(w.as_bytes()));
    has("gtm")
        || (has("tag") && has("manager"))
        || has("tagmanager")
        || (has("search") && (has("algolia") || has("only")))
        || has("searchonly")
}

/// Text around a Google API key (`AIza…`) that shows it belongs to a Firebase
/// client configuration: a web app's `firebaseConfig` (`authDomain`,
/// `messagingSenderId`), an Android `google-services.json` (`current_key`,
/// `mobilesdk_app_id`) or an iOS `GoogleService-Info.plist` (`GOOGLE_APP_ID`,
/// `GCM_SENDER_ID`). Firebase: "API keys for Firebase services are not secret
/// … it's OK to include them in code or checked-in config files"; they only
/// identify the project, and access is governed by security rules.
pub fn is_firebase_client_config(context: &[u8]) -> bool {
    const MARKS: &[&str] = &[
        "firebase",
        "authdomain",
        "messagingsenderid",
        "mobilesdk_app_id",
        "current_key",
        "google_app_id",
        "gcm_sender_id",
    ];
    static AC: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(MARKS)
            .ok()
    })
    .as_ref()
    .is_some_and(|ac| ac.is_match(context))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_values() {
        for v in [
            "pk_live_51H8xYzAbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGh",
            "pk_test_51H8xYzAbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCd",
            "pk.eyJ1IjoiYWNtZWhlYWx0aCIsImEiOiJjbGs4eDl5ejAwMDFhM2RvN2Q5cXJ0dWZ6In0.Qm3x7Yk2LpZ9wVb4NcRt8A",
            "G-7XK2M9QPLR",
            "UA-12345678-1",
            "GTM-K9X2LQP",
            "AW-987654321",
        ] {
            assert!(is_public_value(v), "{v}");
        }
        // A made-up secret key: it is the point of this test (and of
        // envguard's check of its own repository, which must stay clean).
        for v in [
            "sk_live_51H8xYzAbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGh", // envguard: ignore[R01.hardcoded-secret]
            "sk.eyJ1IjoiYWNtZWhlYWx0aCIsImEiOiJjbGs4eDl5ejAwMDFh",
            "G-7xk2m9qplr!x",
            "UA-12ab5678-1",
            "GTM-",
            "Zt4q9LmW2xpR7vKd81",
        ] {
            assert!(!is_public_value(v), "{v}");
        }
    }
}
