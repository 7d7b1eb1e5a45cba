//! Sorting through one routine. Every `sort_by` with its own comparator
//! compiles to its own copy of the standard library's sort (several
//! kilobytes each in a WebAssembly module); these helpers sort positions
//! with one shared, non-generic routine and then move the items into that
//! order, so each caller costs only a few bytes. Stable, like `sort_by`.

use std::cmp::Ordering;

/// Positions `0..len` ordered by `cmp` (stable): a bottom-up merge sort,
/// small in code, the only sort in here.
#[inline(never)]
fn positions(len: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut a: Vec<usize> = (0..len).collect();
    let mut b = a.clone();
    let mut width = 1;
    while width < len {
        let mut start = 0;
        while start < len {
            let mid = (start + width).min(len);
            let end = (start + 2 * width).min(len);
            let (mut l, mut r, mut k) = (start, mid, start);
            while l < mid && r < end {
                // The left run wins ties: equal items keep their order.
                if cmp(a[r], a[l]) == Ordering::Less {
                    b[k] = a[r];
                    r += 1;
                } else {
                    b[k] = a[l];
                    l += 1;
                }
                k += 1;
            }
            b[k..k + (mid - l)].copy_from_slice(&a[l..mid]);
            k += mid - l;
            b[k..k + (end - r)].copy_from_slice(&a[r..end]);
            start = end;
        }
        std::mem::swap(&mut a, &mut b);
        width *= 2;
    }
    a
}

/// Puts `v` into `order` (`order[k]` is the old position of the item that
/// goes to position `k`), in place, following each cycle once.
fn apply<T>(v: &mut [T], mut order: Vec<usize>) {
    const DONE: usize = usize::MAX;
    for i in 0..v.len() {
        if order[i] == DONE {
            continue;
        }
        let mut j = i;
        loop {
            let k = order[j];
            order[j] = DONE;
            if k == i {
                break;
            }
            v.swap(j, k);
            j = k;
        }
    }
}

/// Like `v.sort_by(cmp)`.
pub fn sort_by<T>(v: &mut [T], cmp: impl Fn(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let order = positions(v.len(), &|a, b| cmp(&v[a], &v[b]));
    apply(v, order);
}

/// Like `v.sort_by_key(key)`.
pub fn sort_by_key<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Like `v.sort_by_cached_key(key)`: each key is computed once.
pub fn sort_by_cached_key<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    if v.len() < 2 {
        return;
    }
    let keys: Vec<K> = v.iter().map(key).collect();
    let order = positions(v.len(), &|a, b| keys[a].cmp(&keys[b]));
    apply(v, order);
}

/// Like `v.sort()`.
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_as_the_standard_library_does_and_keeps_equal_items_in_order(
            v in proptest::collection::vec((0u8..6, any::<u16>()), 0..200)
        ) {
            // Compared by the first field only: stability shows in the second.
            let mut ours = v.clone();
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            let mut std = v.clone();
            std.sort_by_key(|a| a.0);
            prop_assert_eq!(&ours, &std);
            let mut ours = v.clone();
            sort_by_cached_key(&mut ours, |a| std::cmp::Reverse(a.0));
            let mut std = v.clone();
            std.sort_by_cached_key(|a| std::cmp::Reverse(a.0));
            prop_assert_eq!(&ours, &std);
            let mut ours = v.clone();
            sort(&mut ours);
            let mut std = v;
            std.sort();
            prop_assert_eq!(ours, std);
        }
    }
}
