// Typed kernel parameters, from lowering to emission.
//
// Each runtime parameter struct (mf::Conv2DS8Params, ...) has a compiler-side
// twin declared with MF_PARAMS: the same field names in the same order, typed
// (int64_t, float, int lists, references to the call's constant arrays, nested
// parameter structs). Lowerings fill the fields by name, passes read them by
// name, and the emitter prints them in declaration order as the aggregate
// initializer of the runtime struct (or as template arguments of a constants
// template). tests/compiler/test_params_layout.cpp compiles every struct the
// kernel catalogue knows against the runtime headers with a distinct value per
// field, so a field out of order or misnamed fails that test.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <type_traits>
#include <vector>

namespace microflow {

// One field of a parameter struct as the emitter prints it. A value "@Suffix"
// refers to the call's constant array of that suffix.
struct ParamField {
  std::string name;
  std::string value;
};

// A pointer field: one of the call's constant arrays, or nullptr.
struct ArrayRef {
  std::string suffix;  // empty: nullptr
  bool null() const { return suffix.empty(); }
};

std::string literal(int64_t v);
std::string literal(float v);

class FieldSink;

struct ParamsBase {
  virtual ~ParamsBase() = default;
  virtual std::unique_ptr<ParamsBase> clone() const = 0;
  virtual const char* type_name() const = 0;  // the runtime struct (namespace mf)
  virtual void describe(FieldSink& sink) const = 0;
};

// Collects (name, printed value) pairs in declaration order; nested parameter
// structs become "outer.inner" fields (brace elision in the initializer).
class FieldSink {
 public:
  explicit FieldSink(std::vector<ParamField>& out, std::string prefix = "") : out_(out), prefix_(std::move(prefix)) {}

  template <typename... Fields>
  void fields(std::string_view names, const Fields&... values) {
    size_t at = 0;
    (add(next_name(names, at), values), ...);
  }
  // A nested parameter struct's fields as "name.field".
  void nest(const std::string& name, const ParamsBase& nested) {
    FieldSink inner(out_, prefix_ + name + ".");
    nested.describe(inner);
  }

 private:
  static std::string next_name(std::string_view names, size_t& at);
  void put(const std::string& name, std::string value) { out_.push_back({prefix_ + name, std::move(value)}); }
  void add(const std::string& name, int64_t v) { put(name, literal(v)); }
  void add(const std::string& name, float v) { put(name, literal(v)); }
  void add(const std::string& name, const ArrayRef& a) { put(name, a.null() ? "nullptr" : "@" + a.suffix); }
  void add(const std::string& name, const std::vector<int64_t>& v);
  void add(const std::string& name, const ParamsBase& nested) { nest(name, nested); }

  std::vector<ParamField>& out_;
  std::string prefix_;
};

// Inside a parameter struct derived from ParamsBase: the runtime struct's name
// (namespace mf) and its fields in the runtime struct's order.
#define MF_PARAMS(Type, ...)                                                                              \
  static constexpr const char* kTypeName = #Type;                                                        \
  const char* type_name() const override { return kTypeName; }                                           \
  std::unique_ptr<::microflow::ParamsBase> clone() const override {                                     \
    return std::make_unique<std::remove_cvref_t<decltype(*this)>>(*this);                               \
  }                                                                                                       \
  void describe(::microflow::FieldSink& sink) const override { sink.fields(#__VA_ARGS__, __VA_ARGS__); }

// A call's parameters: one typed struct, copied by value.
class Params {
 public:
  Params() = default;
  template <typename T, typename = std::enable_if_t<std::is_base_of_v<ParamsBase, T>>>
  Params(T p) : p_(std::make_unique<T>(std::move(p))) {}
  Params(const Params& o) : p_(o.p_ ? o.p_->clone() : nullptr) {}
  Params(Params&&) noexcept = default;
  Params& operator=(const Params& o) {
    if (this != &o) p_ = o.p_ ? o.p_->clone() : nullptr;
    return *this;
  }
  Params& operator=(Params&&) noexcept = default;

  bool empty() const { return !p_; }
  const char* type_name() const { return p_ ? p_->type_name() : ""; }
  // The struct when it is a T (or derives from T), else nullptr.
  template <typename T> const T* get() const { return dynamic_cast<const T*>(p_.get()); }
  template <typename T> T* get() { return dynamic_cast<T*>(p_.get()); }
  // The struct as a T; a different type is an internal error.
  template <typename T> const T& as() const { return *checked(get<T>(), typeid(T)); }
  template <typename T> T& as() { return *checked(get<T>(), typeid(T)); }
  std::vector<ParamField> fields() const;
  const ParamsBase& base() const { return *checked(static_cast<const ParamsBase*>(p_.get()), typeid(ParamsBase)); }

 private:
  template <typename P> P checked(P t, const std::type_info& wanted) const {
    if (!t) bad_cast(wanted.name());
    return t;
  }
  [[noreturn]] void bad_cast(const char* wanted) const;
  std::unique_ptr<ParamsBase> p_;
};

}  // namespace microflow
