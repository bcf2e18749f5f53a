//! A design's own part of a shared message or record.
//!
//! The messages of one state update ([`crate::party::Proposal`], [`crate::party::Countersignature`])
//! and the record of a signed state ([`crate::party::SignedCommitment`]) have what every design
//! shares (the number, the transaction, the signatures) and an [`Extra`]: whatever the design's
//! protocol adds (a per-commitment point, a revocation, the other party's version of the state,
//! a nonce), as a type of the design's own. Shared code carries, clones and compares an `Extra`
//! without looking inside; only the design's own modules read it back ([`Extra::get`]), by its
//! type. The designs with nothing to add leave it empty, which costs no allocation.

use std::any::Any;
use std::fmt;

/// A value a design can put in an [`Extra`]: any `Debug + Clone + PartialEq` type of its own.
pub trait Part: fmt::Debug + Send + Sync + 'static {
    /// A boxed copy.
    fn clone_part(&self) -> Box<dyn Part>;
    /// Whether `other` is a part of the same type and value.
    fn eq_part(&self, other: &dyn Part) -> bool;
    /// The part itself, for [`Extra::get`].
    fn as_any(&self) -> &dyn Any;
    /// The part itself, for [`Extra::get_mut`].
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: fmt::Debug + Clone + PartialEq + Send + Sync + 'static> Part for T {
    fn clone_part(&self) -> Box<dyn Part> {
        Box::new(self.clone())
    }

    fn eq_part(&self, other: &dyn Part) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A design's own part of a message or record, or nothing.
#[derive(Default)]
pub struct Extra(Option<Box<dyn Part>>);

impl Extra {
    /// Nothing: what the designs without a part of their own carry.
    pub const NONE: Extra = Extra(None);

    /// `part`, carried for the design that made it.
    pub fn of<T: Part>(part: T) -> Extra {
        Extra(Some(Box::new(part)))
    }

    /// The part, if it is a `T`: for the design's own modules, which know their type.
    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.0.as_deref()?.as_any().downcast_ref()
    }

    /// As [`Extra::get`], to change it (a design's own tests of a tampered message, say).
    pub fn get_mut<T: 'static>(&mut self) -> Option<&mut T> {
        self.0.as_deref_mut()?.as_any_mut().downcast_mut()
    }

    /// Whether it carries nothing.
    pub fn is_none(&self) -> bool {
        self.0.is_none()
    }
}

impl Clone for Extra {
    fn clone(&self) -> Extra {
        Extra(self.0.as_deref().map(Part::clone_part))
    }
}

impl PartialEq for Extra {
    fn eq(&self, other: &Extra) -> bool {
        match (self.0.as_deref(), other.0.as_deref()) {
            (None, None) => true,
            (Some(a), Some(b)) => a.eq_part(b),
            _ => false,
        }
    }
}

impl Eq for Extra {}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_deref() {
            None => f.write_str("Extra::NONE"),
            Some(part) => part.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct Point(u8);
    #[derive(Debug, Clone, PartialEq)]
    struct Other(u8);

    #[test]
    fn a_part_is_read_back_by_its_own_type_only_and_compared_by_value() {
        let a = Extra::of(Point(1));
        assert_eq!(a.get::<Point>(), Some(&Point(1)));
        assert_eq!(a.get::<Other>(), None);
        assert_eq!(a, a.clone());
        assert_ne!(a, Extra::of(Point(2)));
        assert_ne!(a, Extra::of(Other(1)), "same bytes, another design's type");
        assert_ne!(a, Extra::NONE);
        assert_eq!(Extra::NONE, Extra::default());
        let mut b = a.clone();
        b.get_mut::<Point>().unwrap().0 = 9;
        assert_eq!(b.get::<Point>(), Some(&Point(9)));
        assert_eq!(a.get::<Point>(), Some(&Point(1)), "a clone is its own copy");
    }
}
