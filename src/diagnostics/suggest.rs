//! Did-you-mean: the closest candidate by edit distance, within a threshold.

/// Levenshtein distance, case-sensitive.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Characters easily read or typed for each other (compared in lower case): `O`/`0`,
/// `l`/`1`, `I`/`1`, `S`/`5`, `B`/`8`, `Z`/`2`.
const LOOK_ALIKES: &[(char, char)] = &[
    ('o', '0'),
    ('l', '1'),
    ('i', '1'),
    ('i', 'l'),
    ('s', '5'),
    ('b', '8'),
    ('z', '2'),
];

fn look_alike(a: char, b: char) -> bool {
    LOOK_ALIKES.contains(&(a, b)) || LOOK_ALIKES.contains(&(b, a))
}

/// Edit distance in half steps: an insertion, a deletion or a substitution costs 2, a
/// substitution of a look-alike (`A10O` for `A100`) costs 1.
pub fn weighted_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).map(|j| 2 * j).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = 2 * (i + 1);
        for (j, cb) in b.iter().enumerate() {
            let cost = if ca == *cb {
                0
            } else if look_alike(ca, *cb) {
                1
            } else {
                2
            };
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 2).min(cur[j] + 2);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `name`, if it is close enough to be a plausible typo
/// (a case-only difference always is).
pub fn closest<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = name.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for cand in candidates {
        if cand == name {
            continue;
        }
        let d = if cand.to_lowercase() == lower {
            0
        } else {
            weighted_distance(&lower, &cand.to_lowercase())
        };
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, cand));
        }
    }
    // (In half steps: a look-alike substitution is half a typo.)
    let limit = 2 * ((name.chars().count().max(3)) / 3 + 1);
    best.filter(|(d, _)| *d <= limit).map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn suggests_close_names_only() {
        let c = ["A100", "H100", "T4"];
        assert_eq!(closest("a100", c), Some("A100"));
        assert_eq!(closest("A10O", c), Some("A100"));
        assert_eq!(closest("Banana", c), None);
    }

    #[test]
    fn a_look_alike_substitution_beats_a_deletion() {
        // `A10` is one deletion away from `A10O`, `A100` one look-alike substitution.
        let c = ["A10", "A100", "H100"];
        assert_eq!(closest("A10O", c), Some("A100"));
        assert_eq!(closest("AlOO", c), Some("A100"));
        assert_eq!(closest("A1O", c), Some("A10"));
        assert_eq!(weighted_distance("a10o", "a100"), 1);
        assert_eq!(weighted_distance("a10o", "a10"), 2);
    }
}
