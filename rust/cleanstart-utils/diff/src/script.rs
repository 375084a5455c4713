//! The edit script between two sequences of line classes, computed the way GNU diff computes it
//! so that the hunks come out the same: Myers' O(ND) algorithm with the linear-space middle
//! snake, GNU's discarding of lines that cannot match, its give-up point for very costly inputs,
//! and its shifting of change boundaries to merge and move runs of changes.

/// One run of changed lines: `deleted` lines of the first file from `line0`, replaced by
/// `inserted` lines of the second from `line1` (origin 0). With nothing deleted, `line0` is the
/// line the insertion comes before; likewise `line1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub line0: usize,
    pub deleted: usize,
    pub line1: usize,
    pub inserted: usize,
}

/// The changes that turn `from` into `to`, first to last. `raw` are the classes of the lines
/// as bytes (before `-i`, `-w` and the like): lines identical at both ends of the files are
/// set aside first, as GNU does, but for `horizon` lines next to the differences (the context
/// of `-u` and `-c`); no change is moved into the lines set aside.
pub fn changes(from: &[usize], to: &[usize], raw: [&[usize]; 2], horizon: usize) -> Vec<Change> {
    let common_prefix = raw[0].iter().zip(raw[1]).take_while(|(a, b)| a == b).count();
    let common_suffix = raw[0][common_prefix..]
        .iter()
        .rev()
        .zip(raw[1][common_prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let prefix = common_prefix.saturating_sub(horizon);
    let suffix = common_suffix.saturating_sub(horizon);
    let middle = [&from[prefix..from.len() - suffix], &to[prefix..to.len() - suffix]];
    let mut changed = [Flags::new(middle[0].len()), Flags::new(middle[1].len())];
    let kept = discard_confusing_lines(middle, &mut changed);
    let mut search = Search::new(&kept[0].classes, &kept[1].classes);
    search.compare(0, kept[0].classes.len() as isize, 0, kept[1].classes.len() as isize, false);
    for (f, marks) in [search.deleted, search.inserted].iter().enumerate() {
        for (virtual_index, &mark) in marks.iter().enumerate() {
            if mark {
                changed[f].set(kept[f].real_index[virtual_index], true);
            }
        }
    }
    shift_boundaries(middle, &mut changed);
    build_script(&changed, middle[0].len(), middle[1].len(), prefix)
}

/// Per-line change flags with a false sentinel before the first and after the last line, which
/// the boundary shifting relies on.
struct Flags(Vec<bool>);

impl Flags {
    fn new(lines: usize) -> Self {
        Flags(vec![false; lines + 2])
    }

    fn get(&self, i: isize) -> bool {
        self.0[(i + 1) as usize]
    }

    fn set(&mut self, i: usize, value: bool) {
        self.0[i + 1] = value;
    }
}

/// The lines the main comparison looks at, and where each one is in its file.
struct Kept {
    classes: Vec<usize>,
    real_index: Vec<usize>,
}

/// Marks as changed the lines that match nothing in the other file (and runs of lines that
/// match very many), so the search need not consider them; gives the lines left.
fn discard_confusing_lines(middle: [&[usize]; 2], changed: &mut [Flags; 2]) -> [Kept; 2] {
    let counts: [std::collections::HashMap<usize, usize>; 2] = middle.map(|lines| {
        let mut counts = std::collections::HashMap::new();
        for &class in lines {
            *counts.entry(class).or_insert(0usize) += 1;
        }
        counts
    });
    const KEEP: u8 = 0;
    const DISCARD: u8 = 1;
    const PROVISIONAL: u8 = 2;
    let mut kept = Vec::with_capacity(2);
    for f in 0..2 {
        let lines = middle[f];
        let end = lines.len();
        // A line matching more than about the square root of the line count is "many".
        let mut many = 5usize;
        let mut tem = end / 64;
        loop {
            tem >>= 2;
            if tem == 0 {
                break;
            }
            many *= 2;
        }
        let mut discards: Vec<u8> = lines
            .iter()
            .map(|class| match counts[1 - f].get(class).copied().unwrap_or(0) {
                0 => DISCARD,
                n if n > many => PROVISIONAL,
                _ => KEEP,
            })
            .collect();
        // Provisional discards stand only inside runs of discards, and not in long stretches.
        let mut i = 0;
        while i < end {
            if discards[i] == PROVISIONAL {
                discards[i] = KEEP;
            } else if discards[i] != KEEP {
                let mut j = i;
                let mut provisional = 0;
                while j < end && discards[j] != KEEP {
                    if discards[j] == PROVISIONAL {
                        provisional += 1;
                    }
                    j += 1;
                }
                while j > i && discards[j - 1] == PROVISIONAL {
                    j -= 1;
                    discards[j] = KEEP;
                    provisional -= 1;
                }
                let length = j - i;
                if provisional * 4 > length {
                    for d in &mut discards[i..j] {
                        if *d == PROVISIONAL {
                            *d = KEEP;
                        }
                    }
                } else {
                    let mut minimum = 1usize;
                    let mut tem = length >> 2;
                    loop {
                        tem >>= 2;
                        if tem == 0 {
                            break;
                        }
                        minimum <<= 1;
                    }
                    minimum += 1;
                    // Cancel every sub-run of `minimum` or more provisionals.
                    let mut consec = 0;
                    let mut k = 0isize;
                    while (k as usize) < length {
                        let at = i + k as usize;
                        if discards[at] != PROVISIONAL {
                            consec = 0;
                        } else {
                            consec += 1;
                            if minimum == consec {
                                k -= consec as isize;
                            } else if minimum < consec {
                                discards[at] = KEEP;
                            }
                        }
                        k += 1;
                    }
                    // From each end, cancel provisionals until three real discards in a row, or
                    // a real discard at least 8 lines in.
                    cancel_provisionals_at_end(&mut discards, (0..length).map(|k| i + k));
                    i += length - 1;
                    let last = i;
                    cancel_provisionals_at_end(&mut discards, (0..length).map(|k| last - k));
                }
            }
            i += 1;
        }
        let mut keep = Kept { classes: Vec::new(), real_index: Vec::new() };
        for (i, (&class, &d)) in lines.iter().zip(&discards).enumerate() {
            if d == KEEP {
                keep.classes.push(class);
                keep.real_index.push(i);
            } else {
                changed[f].set(i, true);
            }
        }
        kept.push(keep);
    }
    let to = kept.pop().unwrap_or(Kept { classes: Vec::new(), real_index: Vec::new() });
    let from = kept.pop().unwrap_or(Kept { classes: Vec::new(), real_index: Vec::new() });
    [from, to]
}

fn cancel_provisionals_at_end(discards: &mut [u8], order: impl Iterator<Item = usize>) {
    let mut consec = 0;
    for (j, at) in order.enumerate() {
        if j >= 8 && discards[at] == 1 {
            break;
        }
        match discards[at] {
            2 => {
                consec = 0;
                discards[at] = 0;
            }
            0 => consec = 0,
            _ => consec += 1,
        }
        if consec == 3 {
            break;
        }
    }
}

/// Where the forward and backward searches met, and whether each half's script is known to be
/// minimal.
struct Partition {
    xmid: isize,
    ymid: isize,
    lo_minimal: bool,
    hi_minimal: bool,
}

/// Myers' search over the kept lines; `deleted`/`inserted` mark its results.
struct Search<'a> {
    x: &'a [usize],
    y: &'a [usize],
    forward: Vec<isize>,
    backward: Vec<isize>,
    /// Index of diagonal 0 in `forward` and `backward` (diagonals run from -len(y)-1).
    origin: isize,
    too_expensive: isize,
    deleted: Vec<bool>,
    inserted: Vec<bool>,
}

impl<'a> Search<'a> {
    fn new(x: &'a [usize], y: &'a [usize]) -> Self {
        let diagonals = x.len() + y.len() + 3;
        // Give up on a minimal script after about the square root of the input size in edit
        // steps, but never below 4096 (GNU diff 3.4 and later).
        let mut too_expensive = 1isize;
        let mut d = diagonals;
        while d != 0 {
            too_expensive <<= 1;
            d >>= 2;
        }
        Search {
            x,
            y,
            forward: vec![0; diagonals],
            backward: vec![0; diagonals],
            origin: y.len() as isize + 1,
            too_expensive: too_expensive.max(4096),
            deleted: vec![false; x.len()],
            inserted: vec![false; y.len()],
        }
    }

    fn eq(&self, x: isize, y: isize) -> bool {
        self.x[x as usize] == self.y[y as usize]
    }

    fn fd(&mut self, d: isize) -> &mut isize {
        &mut self.forward[(d + self.origin) as usize]
    }

    fn bd(&mut self, d: isize) -> &mut isize {
        &mut self.backward[(d + self.origin) as usize]
    }

    /// Marks the changes between `x[xoff..xlim]` and `y[yoff..ylim]`. Recurses into the smaller
    /// half and loops on the other, so the depth stays logarithmic.
    fn compare(&mut self, mut xoff: isize, mut xlim: isize, mut yoff: isize, mut ylim: isize, mut minimal: bool) {
        loop {
            while xoff < xlim && yoff < ylim && self.eq(xoff, yoff) {
                xoff += 1;
                yoff += 1;
            }
            while xoff < xlim && yoff < ylim && self.eq(xlim - 1, ylim - 1) {
                xlim -= 1;
                ylim -= 1;
            }
            if xoff == xlim {
                for y in yoff..ylim {
                    self.inserted[y as usize] = true;
                }
                return;
            }
            if yoff == ylim {
                for x in xoff..xlim {
                    self.deleted[x as usize] = true;
                }
                return;
            }
            let part = self.middle_snake(xoff, xlim, yoff, ylim, minimal);
            let low = (xoff, part.xmid, yoff, part.ymid, part.lo_minimal);
            let high = (part.xmid, xlim, part.ymid, ylim, part.hi_minimal);
            let high_is_smaller = (xlim + ylim) - (part.xmid + part.ymid) < (part.xmid + part.ymid) - (xoff + yoff);
            let (first, then) = if high_is_smaller { (high, low) } else { (low, high) };
            self.compare(first.0, first.1, first.2, first.3, first.4);
            (xoff, xlim, yoff, ylim, minimal) = then;
        }
    }

    /// Finds the middle of a shortest edit script from both ends at once. The first and last
    /// elements of the two ranges are known not to match.
    fn middle_snake(&mut self, xoff: isize, xlim: isize, yoff: isize, ylim: isize, minimal: bool) -> Partition {
        let (dmin, dmax) = (xoff - ylim, xlim - yoff);
        let (fmid, bmid) = (xoff - yoff, xlim - ylim);
        let (mut fmin, mut fmax, mut bmin, mut bmax) = (fmid, fmid, bmid, bmid);
        let odd = (fmid - bmid) & 1 != 0;
        *self.fd(fmid) = xoff;
        *self.bd(bmid) = xlim;
        let mut cost = 1;
        loop {
            if fmin > dmin {
                fmin -= 1;
                *self.fd(fmin - 1) = -1;
            } else {
                fmin += 1;
            }
            if fmax < dmax {
                fmax += 1;
                *self.fd(fmax + 1) = -1;
            } else {
                fmax -= 1;
            }
            let mut d = fmax;
            while d >= fmin {
                let (tlo, thi) = (*self.fd(d - 1), *self.fd(d + 1));
                let x0 = if tlo < thi { thi } else { tlo + 1 };
                let (mut x, mut y) = (x0, x0 - d);
                while x < xlim && y < ylim && self.eq(x, y) {
                    x += 1;
                    y += 1;
                }
                *self.fd(d) = x;
                if odd && bmin <= d && d <= bmax && *self.bd(d) <= x {
                    return Partition { xmid: x, ymid: y, lo_minimal: true, hi_minimal: true };
                }
                d -= 2;
            }
            if bmin > dmin {
                bmin -= 1;
                *self.bd(bmin - 1) = isize::MAX;
            } else {
                bmin += 1;
            }
            if bmax < dmax {
                bmax += 1;
                *self.bd(bmax + 1) = isize::MAX;
            } else {
                bmax -= 1;
            }
            let mut d = bmax;
            while d >= bmin {
                let (tlo, thi) = (*self.bd(d - 1), *self.bd(d + 1));
                let x0 = if tlo < thi { tlo } else { thi - 1 };
                let (mut x, mut y) = (x0, x0 - d);
                while xoff < x && yoff < y && self.eq(x - 1, y - 1) {
                    x -= 1;
                    y -= 1;
                }
                *self.bd(d) = x;
                if !odd && fmin <= d && d <= fmax && x <= *self.fd(d) {
                    return Partition { xmid: x, ymid: y, lo_minimal: true, hi_minimal: true };
                }
                d -= 2;
            }
            if !minimal && cost >= self.too_expensive {
                return self.best_so_far(xoff, xlim, yoff, ylim, (fmin, fmax), (bmin, bmax));
            }
            cost += 1;
        }
    }

    /// Too costly: split at whichever search has come furthest.
    fn best_so_far(
        &mut self,
        xoff: isize,
        xlim: isize,
        yoff: isize,
        ylim: isize,
        (fmin, fmax): (isize, isize),
        (bmin, bmax): (isize, isize),
    ) -> Partition {
        let (mut fxybest, mut fxbest) = (-1, 0);
        let mut d = fmax;
        while d >= fmin {
            let mut x = (*self.fd(d)).min(xlim);
            let mut y = x - d;
            if ylim < y {
                x = ylim + d;
                y = ylim;
            }
            if fxybest < x + y {
                fxybest = x + y;
                fxbest = x;
            }
            d -= 2;
        }
        let (mut bxybest, mut bxbest) = (isize::MAX, 0);
        let mut d = bmax;
        while d >= bmin {
            let mut x = (*self.bd(d)).max(xoff);
            let mut y = x - d;
            if y < yoff {
                x = yoff + d;
                y = yoff;
            }
            if x + y < bxybest {
                bxybest = x + y;
                bxbest = x;
            }
            d -= 2;
        }
        if (xlim + ylim) - bxybest < fxybest - (xoff + yoff) {
            Partition { xmid: fxbest, ymid: fxybest - fxbest, lo_minimal: true, hi_minimal: false }
        } else {
            Partition { xmid: bxbest, ymid: bxybest - bxbest, lo_minimal: false, hi_minimal: true }
        }
    }
}

/// Moves each run of changes, among equal lines, to merge it with neighbouring runs and then as
/// far down as it goes, and back up to line up with a run in the other file where one exists:
/// the script stays minimal and reads more naturally.
fn shift_boundaries(files: [&[usize]; 2], changed: &mut [Flags; 2]) {
    for (f, classes) in files.into_iter().enumerate() {
        let [first, second] = changed;
        let (changed, other) = if f == 0 { (first, &*second) } else { (second, &*first) };
        let i_end = classes.len() as isize;
        let class = |i: isize| classes[i as usize];
        let (mut i, mut j) = (0isize, 0isize);
        loop {
            while i < i_end && !changed.get(i) {
                while other.get(j) {
                    j += 1;
                }
                j += 1;
                i += 1;
            }
            if i == i_end {
                break;
            }
            let mut start = i;
            i += 1;
            while changed.get(i) {
                i += 1;
            }
            while other.get(j) {
                j += 1;
            }
            let mut corresponding;
            loop {
                let runlength = i - start;
                while start > 0 && class(start - 1) == class(i - 1) {
                    start -= 1;
                    changed.set(start as usize, true);
                    i -= 1;
                    changed.set(i as usize, false);
                    while changed.get(start - 1) {
                        start -= 1;
                    }
                    j -= 1;
                    while other.get(j) {
                        j -= 1;
                    }
                }
                corresponding = if other.get(j - 1) { i } else { i_end };
                while i != i_end && class(start) == class(i) {
                    changed.set(start as usize, false);
                    start += 1;
                    changed.set(i as usize, true);
                    i += 1;
                    while changed.get(i) {
                        i += 1;
                    }
                    j += 1;
                    while other.get(j) {
                        j += 1;
                        corresponding = i;
                    }
                }
                if runlength == i - start {
                    break;
                }
            }
            while corresponding < i {
                start -= 1;
                changed.set(start as usize, true);
                i -= 1;
                changed.set(i as usize, false);
                j -= 1;
                while other.get(j) {
                    j -= 1;
                }
            }
        }
    }
}

/// The runs of changed lines, numbered from the start of the files (`offset` lines were set
/// aside before).
fn build_script(changed: &[Flags; 2], len0: usize, len1: usize, offset: usize) -> Vec<Change> {
    let mut script = Vec::new();
    let (mut i0, mut i1) = (0isize, 0isize);
    while i0 < len0 as isize || i1 < len1 as isize {
        if changed[0].get(i0) || changed[1].get(i1) {
            let (line0, line1) = (i0, i1);
            while changed[0].get(i0) {
                i0 += 1;
            }
            while changed[1].get(i1) {
                i1 += 1;
            }
            script.push(Change {
                line0: offset + line0 as usize,
                deleted: (i0 - line0) as usize,
                line1: offset + line1 as usize,
                inserted: (i1 - line1) as usize,
            });
        }
        i0 += 1;
        i1 += 1;
    }
    script
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(s: &str) -> Vec<usize> {
        s.bytes().map(usize::from).collect()
    }

    /// Applies the script to `from` and checks it gives `to`.
    fn check(from: &str, to: &str) -> Vec<Change> {
        let (a, b) = (classes(from), classes(to));
        let script = changes(&a, &b, [&a, &b], 0);
        let mut result = Vec::new();
        let mut at = 0;
        for c in &script {
            result.extend_from_slice(&a[at..c.line0]);
            result.extend_from_slice(&b[c.line1..c.line1 + c.inserted]);
            at = c.line0 + c.deleted;
        }
        result.extend_from_slice(&a[at..]);
        assert_eq!(result, b, "{from} -> {to}: {script:?}");
        script
    }

    #[test]
    fn scripts_turn_one_sequence_into_the_other() {
        for (from, to) in [
            ("", ""),
            ("abc", ""),
            ("", "abc"),
            ("abcabba", "cbabac"),
            ("1234", "1X345"),
            ("xyzzy", "zzyxx"),
            ("aaaaaaaaaab", "baaaaaaaaaa"),
        ] {
            check(from, to);
        }
    }

    #[test]
    fn insertions_among_equal_lines_go_last() {
        assert_eq!(check("xx", "xxx"), [Change { line0: 2, deleted: 0, line1: 2, inserted: 1 }]);
        // ... but not into the lines both files end with.
        assert_eq!(check("bcaa", "Xca")[1], Change { line0: 2, deleted: 1, line1: 2, inserted: 0 });
        assert_eq!(check("1234", "1X345")[1], Change { line0: 4, deleted: 0, line1: 4, inserted: 1 });
    }

    #[test]
    fn long_different_inputs_give_up_on_minimal_but_stay_correct() {
        let a: String = (0..3000).map(|i| char::from(b'a' + (i * 7 % 26) as u8)).collect();
        let b: String = (0..3000).map(|i| char::from(b'a' + (i * 11 % 26) as u8)).collect();
        check(&a, &b);
    }
}
