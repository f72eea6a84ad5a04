//! An expression compiled to an automaton, which the matcher aligns utterances with and the
//! speech grammar follows token by token.

use crate::context::{Element, SlotType};

/// An expression compiled to an automaton: states joined by arcs that read one token, a slot
/// span, or nothing.
#[derive(Debug, Default)]
pub struct Automaton {
    pub arcs: Vec<Vec<(usize, Arc)>>,
}

#[derive(Debug, Clone)]
pub enum Arc {
    Empty,
    Token(String),
    Slot(SlotType, String),
    /// One to [`crate::align::MAX_FREE_WORDS`] tokens of any kind.
    Words,
}

impl Automaton {
    pub fn state(&mut self) -> usize {
        self.arcs.push(Vec::new());
        self.arcs.len() - 1
    }

    pub fn compile(&mut self, elements: &[Element], from: usize, to: usize) {
        let mut current = from;
        for (index, element) in elements.iter().enumerate() {
            let next = if index + 1 == elements.len() {
                to
            } else {
                self.state()
            };
            match element {
                Element::Token(token) => self.arcs[current].push((next, Arc::Token(token.clone()))),
                Element::Slot { kind, name } => {
                    self.arcs[current].push((next, Arc::Slot(kind.clone(), name.clone())))
                }
                Element::Words => self.arcs[current].push((next, Arc::Words)),
                Element::Choice(alternatives) | Element::Optional(alternatives) => {
                    if matches!(element, Element::Optional(_)) {
                        self.arcs[current].push((next, Arc::Empty));
                    }
                    for alternative in alternatives {
                        if alternative.is_empty() {
                            self.arcs[current].push((next, Arc::Empty));
                        } else {
                            self.compile(alternative, current, next);
                        }
                    }
                }
            }
            current = next;
        }
        if elements.is_empty() {
            self.arcs[from].push((to, Arc::Empty));
        }
    }

    pub fn from_expression(elements: &[Element]) -> (Automaton, usize, usize) {
        let mut automaton = Automaton::default();
        let start = automaton.state();
        let accept = automaton.state();
        automaton.compile(elements, start, accept);
        (automaton, start, accept)
    }
}
