//! Bindings to the runtime's `HTMLRewriter` (lol-html, built into workerd): the Worker fills
//! pages that Zola built (tracking page, form with errors) without a template engine of its
//! own in the wasm, and the page texts stay in the site's translations.

use segnala_core::html::decode_references;
pub use segnala_core::html::escape;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use worker::{js_sys, web_sys};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = HTMLRewriter)]
    type HtmlRewriterSys;

    #[wasm_bindgen(constructor, js_class = "HTMLRewriter")]
    fn new() -> HtmlRewriterSys;

    #[wasm_bindgen(method, js_class = "HTMLRewriter")]
    fn on(this: &HtmlRewriterSys, selector: &str, handlers: &js_sys::Object) -> HtmlRewriterSys;

    #[wasm_bindgen(method, js_class = "HTMLRewriter")]
    fn transform(this: &HtmlRewriterSys, response: &web_sys::Response) -> web_sys::Response;

    /// An element as the rewriter streams past it.
    pub type Element;

    #[wasm_bindgen(method, js_name = getAttribute)]
    fn get_attribute_raw(this: &Element, name: &str) -> Option<String>;

    #[wasm_bindgen(method, js_name = hasAttribute)]
    pub fn has_attribute(this: &Element, name: &str) -> bool;

    #[wasm_bindgen(method, js_name = setAttribute)]
    fn set_attribute_raw(this: &Element, name: &str, value: &str);

    #[wasm_bindgen(method, js_name = removeAttribute)]
    pub fn remove_attribute(this: &Element, name: &str);

    #[wasm_bindgen(method, js_name = setInnerContent)]
    fn set_inner_content_raw(this: &Element, content: &str, options: &JsValue);

    #[wasm_bindgen(method, js_name = append)]
    fn append_raw(this: &Element, content: &str, options: &JsValue);

    #[wasm_bindgen(method)]
    pub fn remove(this: &Element);
}

fn html_options(html: bool) -> JsValue {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"html".into(), &JsValue::from_bool(html))
        .expect("plain object");
    options.into()
}

impl Element {
    /// The attribute's value with character references decoded: the rewriter hands over
    /// attribute values exactly as written in the page (`l&#x27;ufficio`).
    pub fn get_attribute(&self, name: &str) -> Option<String> {
        self.get_attribute_raw(name)
            .map(|raw| decode_references(&raw))
    }

    /// Sets an attribute to a text value. The runtime escapes only the quote character, so
    /// `&`, `<` and `>` are escaped here: what the citizen typed comes back exactly as typed.
    pub fn set_attribute(&self, name: &str, value: &str) {
        let escaped = value
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        self.set_attribute_raw(name, &escaped);
    }

    /// Replaces the content with text, escaped by the runtime.
    pub fn set_text(&self, text: &str) {
        self.set_inner_content_raw(text, &html_options(false));
    }

    /// Replaces the content with markup built by the Worker (already escaped where needed).
    pub fn set_html(&self, html: &str) {
        self.set_inner_content_raw(html, &html_options(true));
    }

    pub fn append_html(&self, html: &str) {
        self.append_raw(html, &html_options(true));
    }

    /// Adds a class, keeping the existing ones.
    pub fn add_class(&self, class: &str) {
        let classes = self.get_attribute("class").unwrap_or_default();
        if !classes.split_whitespace().any(|c| c == class) {
            self.set_attribute("class", format!("{classes} {class}").trim());
        }
    }
}

/// A set of element handlers applied to one page.
pub struct Rewriter {
    inner: HtmlRewriterSys,
    // The runtime calls the handlers while the body streams; keep them alive until then.
    handlers: Vec<Closure<dyn FnMut(Element)>>,
}

impl Rewriter {
    pub fn new() -> Self {
        Self {
            inner: HtmlRewriterSys::new(),
            handlers: Vec::new(),
        }
    }

    pub fn on(mut self, selector: &str, handler: impl FnMut(&Element) + 'static) -> Self {
        let mut handler = handler;
        let closure = Closure::<dyn FnMut(Element)>::new(move |element: Element| handler(&element));
        let handlers = js_sys::Object::new();
        js_sys::Reflect::set(&handlers, &"element".into(), closure.as_ref()).expect("plain object");
        self.inner = self.inner.on(selector, &handlers);
        self.handlers.push(closure);
        self
    }

    /// Runs the handlers over the page and returns the rewritten HTML.
    pub async fn rewrite(self, page: worker::Response) -> worker::Result<String> {
        let input: web_sys::Response = page.into();
        let output = self.inner.transform(&input);
        let text = worker::Response::from(output).text().await;
        drop(self.handlers);
        text
    }
}
