//! Paging of every list, with ServiceStack AutoQuery's names: `skip` items are left
//! out, at most `take` come back, and `total` counts every matching item.

/// The most items one answer holds, and what `take` is when not given.
pub const MAX_TAKE: u32 = 1000;

/// A window of a list ordered deterministically (so consecutive windows neither skip
/// nor repeat items unless the list changes in between).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub skip: u32,
    pub take: u32,
}

impl Page {
    /// `take` defaults to [`MAX_TAKE`], and larger values are clamped to it (as
    /// AutoQuery's `MaxLimit` does); `skip` defaults to 0.
    pub fn new(skip: Option<u32>, take: Option<u32>) -> Page {
        Page {
            skip: skip.unwrap_or(0),
            take: take.unwrap_or(MAX_TAKE).min(MAX_TAKE),
        }
    }

    /// The window of a list held in memory.
    pub fn of<T>(self, items: Vec<T>) -> Paged<T> {
        let total = count(items.len());
        let items = items
            .into_iter()
            .skip(self.skip as usize)
            .take(self.take as usize)
            .collect();
        Paged { items, total }
    }

    /// The total when a window read from the database says it without a count: a
    /// window that is neither full nor empty-past-the-start ends the list.
    pub fn total_without_count(self, found: usize) -> Option<u32> {
        if found < self.take as usize && (found > 0 || self.skip == 0) {
            Some(self.skip.saturating_add(count(found)))
        } else {
            None
        }
    }
}

impl Default for Page {
    fn default() -> Self {
        Page::new(None, None)
    }
}

/// One window of a list and how many items the whole list has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: u32,
}

impl<T> Paged<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
        }
    }
}

pub fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_defaults_to_the_maximum_and_is_clamped_to_it() {
        assert_eq!(
            Page::new(None, None),
            Page {
                skip: 0,
                take: MAX_TAKE
            }
        );
        assert_eq!(Page::new(Some(5), Some(5000)).take, MAX_TAKE);
        assert_eq!(Page::new(None, Some(0)).take, 0);
    }

    #[test]
    fn windows_of_a_list_in_memory() {
        let page = Page::new(Some(2), Some(3)).of((0..10).collect::<Vec<_>>());
        assert_eq!(
            page,
            Paged {
                items: vec![2, 3, 4],
                total: 10
            }
        );
        let past = Page::new(Some(20), None).of((0..10).collect::<Vec<_>>());
        assert_eq!(
            past,
            Paged {
                items: vec![],
                total: 10
            }
        );
    }

    #[test]
    fn a_short_window_tells_the_total() {
        let page = Page::new(Some(10), Some(5));
        assert_eq!(page.total_without_count(3), Some(13));
        assert_eq!(page.total_without_count(5), None);
        assert_eq!(page.total_without_count(0), None);
        assert_eq!(Page::new(None, Some(5)).total_without_count(0), Some(0));
        assert_eq!(Page::new(None, Some(0)).total_without_count(0), None);
    }
}
