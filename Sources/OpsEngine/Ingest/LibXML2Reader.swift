import Foundation

/// libxml2's streaming reader (`xmlTextReader`), opened with `dlopen` the first time a Braintree notification is
/// read. Braintree's webhooks are the only XML popsa-ops reads; linking libxml2 (through Foundation's XMLParser)
/// put it, ICU, liblzma and zlib into every process's start-up — about 2 ms of each `query` for a parser only
/// `serve` uses (docs/benchmarks.md, 2026-11-28 afternoon). The parsing is still libxml2's: network access off, no
/// DTD loaded, entities not substituted, errors not printed.
enum LibXML2Reader {
    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    /// One event of the reader.
    enum Event {
        case start(name: String, isNil: Bool, isEmpty: Bool)
        case text(String)
        case end
    }

    /// Calls `body` with each event of `data` in document order; throws on malformed XML or without libxml2.
    static func read(_ data: Data, _ body: (Event) -> Void) throws(ReadError) {
        let xml = try functions.get()
        let options: Int32 = 2048 | 32 | 64  // XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING
        // libxml2 reads the caller's memory in place (it does not copy it): the whole read happens while the
        // bytes are lent.
        let read: Result<Void, ReadError> = data.withUnsafeBytes { bytes in
            guard
                let reader = xml.readerForMemory(
                    bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(clamping: bytes.count), nil, nil,
                    options)
            else { return .failure(ReadError(description: "libxml2 could not start a reader")) }
            defer { xml.freeReader(reader) }
            return events(reader, xml, body)
        }
        try read.get()
    }

    /// The reader's events until the end of the document, or the first error.
    private static func events(
        _ reader: Reader, _ xml: Functions, _ body: (Event) -> Void
    ) -> Result<Void, ReadError> {
        func string(_ pointer: UnsafePointer<UInt8>?) -> String {
            pointer.map { String(cString: $0) } ?? ""
        }
        while true {
            let step = xml.read(reader)
            if step == 0 { return .success(()) }
            guard step == 1 else {
                return .failure(ReadError(description: "malformed XML (line \(xml.lineNumber(reader)))"))
            }
            switch xml.nodeType(reader) {
            case 1:  // element
                let name = string(xml.localName(reader))
                let isEmpty = xml.isEmptyElement(reader) == 1
                var isNil = false
                if xml.moveToAttribute(reader, "nil") == 1 {
                    isNil = string(xml.value(reader)) == "true"
                    _ = xml.moveToElement(reader)
                }
                body(.start(name: name, isNil: isNil, isEmpty: isEmpty))
            case 3, 4:  // text, CDATA
                body(.text(string(xml.value(reader))))
            case 15:  // end of element
                body(.end)
            default:  // whitespace, comments, processing instructions, entity references: not content
                continue
            }
        }
    }

    // MARK: The library

    typealias Reader = OpaquePointer
    typealias Open =
        @convention(c) (UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int32) -> Reader?
    typealias Step = @convention(c) (Reader) -> Int32
    typealias Text = @convention(c) (Reader) -> UnsafePointer<UInt8>?
    typealias Attribute = @convention(c) (Reader, UnsafePointer<CChar>) -> Int32
    typealias Free = @convention(c) (Reader) -> Void

    /// The reader's functions, looked up once. C function pointers into a library that stays loaded for the
    /// life of the process, each reader used by one thread: safe to share.
    struct Functions: @unchecked Sendable {
        var readerForMemory: Open
        var read, nodeType, isEmptyElement, moveToElement, lineNumber: Step
        var localName, value: Text
        var moveToAttribute: Attribute
        var freeReader: Free
    }

    static let functions: Result<Functions, ReadError> = load()

    static func load() -> Result<Functions, ReadError> {
        guard let library = dlopen("libxml2.so.2", RTLD_NOW | RTLD_LOCAL) else {
            return .failure(ReadError(description: "libxml2 is not installed (Debian: apt-get install libxml2)"))
        }
        func symbol<T>(_ name: String, _ type: T.Type) throws(ReadError) -> T {
            guard let address = dlsym(library, name) else { throw ReadError(description: "libxml2 has no \(name)") }
            return unsafeBitCast(address, to: type)
        }
        do {
            try symbol("xmlInitParser", (@convention(c) () -> Void).self)()
            return .success(
                Functions(
                    readerForMemory: try symbol("xmlReaderForMemory", Open.self),
                    read: try symbol("xmlTextReaderRead", Step.self),
                    nodeType: try symbol("xmlTextReaderNodeType", Step.self),
                    isEmptyElement: try symbol("xmlTextReaderIsEmptyElement", Step.self),
                    moveToElement: try symbol("xmlTextReaderMoveToElement", Step.self),
                    lineNumber: try symbol("xmlTextReaderGetParserLineNumber", Step.self),
                    localName: try symbol("xmlTextReaderConstLocalName", Text.self),
                    value: try symbol("xmlTextReaderConstValue", Text.self),
                    moveToAttribute: try symbol("xmlTextReaderMoveToAttribute", Attribute.self),
                    freeReader: try symbol("xmlFreeTextReader", Free.self)))
        } catch {
            return .failure(error)
        }
    }
}
