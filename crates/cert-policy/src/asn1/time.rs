//! `Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }` as signed Unix
//! seconds (RFC 5280 4.1.2.5: UTCTime years 50-99 are 1950-1999).

use der::asn1::AnyRef;
use der::{Decode, Encode, Tag, Tagged};

/// A certificate or CRL time, Unix seconds (negative before 1970), with its text so
/// it encodes back unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Time {
    pub(crate) unix: i64,
    tag: Tag,
    text: [u8; 15],
}

impl Time {
    fn text(&self) -> &[u8] {
        let len = if self.tag == Tag::UtcTime { 13 } else { 15 };
        &self.text[..len]
    }
}

impl Encode for Time {
    fn encoded_len(&self) -> der::Result<der::Length> {
        AnyRef::new(self.tag, self.text())?.encoded_len()
    }

    fn encode(&self, writer: &mut impl der::Writer) -> der::Result<()> {
        AnyRef::new(self.tag, self.text())?.encode(writer)
    }
}

impl<'a> Decode<'a> for Time {
    type Error = der::Error;

    fn decode<R: der::Reader<'a>>(reader: &mut R) -> der::Result<Self> {
        let any = AnyRef::decode(reader)?;
        let unix = match any.tag() {
            Tag::UtcTime => parse(any.value(), 2),
            Tag::GeneralizedTime => parse(any.value(), 4),
            other => return Err(other.unexpected_error(None).into()),
        };
        let mut text = [0u8; 15];
        match (unix, text.get_mut(..any.value().len())) {
            (Some(unix), Some(t)) => {
                t.copy_from_slice(any.value());
                Ok(Time {
                    unix,
                    tag: any.tag(),
                    text,
                })
            }
            _ => Err(any.tag().value_error().into()),
        }
    }
}

impl Tagged for Time {
    fn tag(&self) -> Tag {
        self.tag
    }
}

impl<'a> der::Choice<'a> for Time {
    fn can_decode(tag: Tag) -> bool {
        matches!(tag, Tag::UtcTime | Tag::GeneralizedTime)
    }
}

/// `YYMMDDHHMMSSZ` (`year_digits` 2) or `YYYYMMDDHHMMSSZ` (4): the only forms DER and
/// RFC 5280 allow (seconds present, no fraction, Zulu).
fn parse(s: &[u8], year_digits: usize) -> Option<i64> {
    if s.len() != year_digits + 11 || s.last() != Some(&b'Z') {
        return None;
    }
    let digits = &s[..s.len() - 1];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |from: usize, len: usize| -> i64 {
        digits[from..from + len]
            .iter()
            .fold(0, |acc, d| acc * 10 + i64::from(d - b'0'))
    };
    let mut year = num(0, year_digits);
    if year_digits == 2 {
        year += if year >= 50 { 1900 } else { 2000 };
    }
    let rest = year_digits;
    let (month, day) = (num(rest, 2), num(rest + 2, 2));
    let (hour, minute, second) = (num(rest + 4, 2), num(rest + 6, 2), num(rest + 8, 2));
    let valid = (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
        && hour < 24
        && minute < 60
        && second < 60;
    valid.then(|| days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(der: &[u8]) -> Option<i64> {
        Time::from_der(der).ok().map(|t| t.unix)
    }

    fn utc(s: &str) -> Vec<u8> {
        [&[0x17, s.len() as u8][..], s.as_bytes()].concat()
    }

    fn gtime(s: &str) -> Vec<u8> {
        [&[0x18, s.len() as u8][..], s.as_bytes()].concat()
    }

    #[test]
    fn utc_time_years_50_to_99_are_the_1900s() {
        assert_eq!(decode(&utc("700101000000Z")), Some(0));
        assert_eq!(decode(&utc("500101120100Z")), Some(-631_108_740));
        assert_eq!(decode(&utc("491231235959Z")), Some(2_524_607_999));
        assert_eq!(decode(&utc("260601000000Z")), Some(1_780_272_000));
    }

    #[test]
    fn generalized_time_has_four_digit_years() {
        assert_eq!(decode(&gtime("20500101120100Z")), Some(2_524_651_260));
        assert_eq!(decode(&gtime("19500101120100Z")), Some(-631_108_740));
        assert_eq!(decode(&gtime("20000229000000Z")), Some(951_782_400));
    }

    #[test]
    fn times_encode_back_unchanged() {
        for der in [utc("500101120100Z"), gtime("20500101120100Z")] {
            assert_eq!(Time::from_der(&der).unwrap().to_der().unwrap(), der);
        }
    }

    #[test]
    fn malformed_times_are_refused() {
        for bad in [
            utc("700101000000"),
            utc("7001010000Z"),
            utc("701301000000Z"),
            utc("700132000000Z"),
            utc("700101240000Z"),
            utc("7001010000+0Z"),
            gtime("19000229000000Z"),
            gtime("20500101120100.5Z"),
            vec![0x04, 0x01, 0x00],
        ] {
            assert_eq!(decode(&bad), None, "{bad:?}");
        }
    }
}
