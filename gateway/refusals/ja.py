"""日本語の拒否メッセージ: the Japanese catalogue, in the same shape as `en`.

Placeholders are the refusal's parameters; `party_number` and `field_number` count from 1;
`party_label` is the party's role and name (「借主 佐藤 一郎」), or 送信先N without them;
`{label:or 入力欄}` shows the label, or the text after "or " when it is empty.
"""

ROLES = {
    "tenant": "借主",
    "guarantor": "保証人",
    "own_company": "自社署名者",
    "agent": "取引士",
    "landlord": "貸主",
    "other": "その他",
}
PARTY = "送信先{party_number}"

TITLES = {
    400: "リクエストが正しくありません",
    401: "認証が必要です",
    403: "この操作は許可されていません",
    404: "見つかりません",
    405: "この操作はできません",
    409: "現在の状態ではこの操作はできません",
    410: "このリンクは無効になりました",
    413: "リクエストが大きすぎます",
    422: "入力内容が正しくありません",
    423: "ロックされています",
    429: "リクエストが多すぎます",
    500: "サーバーエラー",
    502: "サービスが応答できませんでした",
    503: "サービスが一時的に利用できません",
}

MESSAGES = {
    # the bus itself
    "invalid_request": "サービスへの依頼の形式が正しくありません。時間をおいてお試しください。",
    "internal_error": "サービスで問題が発生しました。時間をおいてもう一度お試しください。",
    "busy": "同時に多くの操作が行われました。もう一度お試しください。",
    # documents
    "upload_not_found": "アップロードされたファイルが見つかりません。",
    "not_pdf": "PDFファイルではありません。PDF形式のファイルをアップロードしてください。",
    "unreadable": "PDFが破損しているか、読み取れない形式です。保存し直したPDFをお試しください。",
    "encrypted": (
        "パスワードや暗号化で保護されたPDFは使えません。"
        "保護を解除してからアップロードしてください。"
    ),
    "no_pages": "PDFにページがありません。",
    "too_many_pages": "ページ数が多すぎます。{max_pages}ページ以内のPDFにしてください。",
    "page_too_large": (
        "{page}ページ目が大きすぎます（{width}×{height}pt）。一辺{limit}pt以内のページにしてください。"
    ),
    "page_too_small": (
        "{page}ページ目が小さすぎて押印できません（{width}×{height}pt）。"
        "一辺{limit}pt以上のページにしてください。"
    ),
    "bad_rotation": "{page}ページ目の回転指定が不正です。保存し直したPDFをお試しください。",
    "decompression_bomb": "展開すると極端に大きくなるデータを含むPDFは受け付けられません。",
    "javascript": (
        "JavaScriptなど自動で実行される処理を含むPDFは使えません。取り除いてから再度お試しください。"
    ),
    "embedded_files": (
        "添付ファイルを埋め込んだPDFは使えません。添付を取り除いてから再度お試しください。"
    ),
    "document_not_found": "文書が見つかりません。",
    "page_not_found": "{page}ページは存在しません。",
    "not_finished": "契約書はまだ締結されていません。",
    "already_finished": "この文書は締結済みです。",
    # envelopes
    "title_required": "文書名を入力してください。",
    "parties_required": "送信先を1件以上追加してください。",
    "signer_required": "署名依頼する送信先が1件以上必要です。",
    "envelope_invalid": "入力内容に{count}件の問題があります。各項目を確認してください。",
    "contact_required": "{party_label}：メールアドレスとSMSのいずれかは必須です",
    "invalid_email": "{party_label}：メールアドレスの形式が正しくありません",
    "invalid_phone": (
        "{party_label}：携帯電話番号はハイフンなしの11桁（070・080・090）で入力してください"
    ),
    "sms_individual_only": (
        "{party_label}：SMSは個人のみ利用できます。法人はメールアドレスを入力してください"
    ),
    "invalid_access_code": "{party_label}：アクセスコードは英数字で入力してください",
    "name_blank": "{party_label}：氏名（法人名）を入力してください",
    "name_control_character": (
        "{party_label}：氏名に使用できない文字（{character}）が含まれています"
    ),
    "name_emoji": "{party_label}：氏名に絵文字（{character}）は使用できません",
    "name_unsupported_character": "{party_label}：氏名の文字（{character}）は印影にできません",
    "recipient_required": (
        "{party_label}：法人の場合は受信者（署名者もしくは代理人）を入力してください"
    ),
    "person_in_charge_corporation_only": "{party_label}：担当者は法人のみ入力できます",
    "access_code_individual_only": "{party_label}：アクセスコードは個人のみ設定できます",
    "signer_change_not_allowed": (
        "{party_label}：署名者変更は貸主（個人）とその他（個人）のみ許可できます"
    ),
    "own_company_needs_certificate": (
        "{party_label}：自社署名者（会社印）は電子証明書オプションの契約が必要です。"
        "「その他」の法人として追加してください"
    ),
    "acquired_on_without_phone": (
        "{party_label}：携帯番号取得日はSMSの携帯電話番号と一緒に入力してください"
    ),
    "unknown_party": "署名欄{field_number}：送信先が存在しません。",
    "field_for_share_only": "署名欄{field_number}：署名依頼しない送信先には配置できません。",
    "page_out_of_range": "署名欄{field_number}：{page}ページは存在しません。",
    "field_off_page": "署名欄{field_number}：ページの外にはみ出しています。",
    "field_size": "署名欄{field_number}：大きさは縦横とも{min}〜{max}ptにしてください。",
    "signature_box_required": "{party_label}：署名ボックスを1つ以上配置してください",
    "envelope_not_found": "署名依頼が見つかりません。",
    "already_sent": "この署名依頼は送信済みです。",
    "not_signed": "全員の署名が完了していません。",
    "envelope_closed": "この署名依頼は終了しています（{envelope_status}）。",
    "party_not_asked": "{party_name}様は署名依頼中またはロック中ではないため、再依頼できません。",
    "rerequest_too_soon": (
        "{party_name}様への再依頼は5分に1回までです。{seconds}秒後にお試しください。"
    ),
    "invalid_cursor": "ページ送りの指定が正しくありません。",
    # the signer
    "link_invalid": "このリンクは無効です。メールまたはSMSのリンクを確認してください。",
    "party_not_found": "送信先が見つかりません。",
    "no_access_code": "アクセスコードは設定されていません。",
    "wrong_access_code": "アクセスコードが正しくありません。あと{attempts_left}回入力できます。",
    "party_locked": (
        "アクセスコードの入力回数の上限に達したため、ロックされました。"
        "送信者にお問い合わせください。"
    ),
    "party_declined": "この署名依頼は辞退されました。",
    "party_replaced": "署名者が変更されたため、このリンクは無効になりました。",
    "consent_not_applicable": "37条書面の電子交付の同意は、この契約では不要です。",
    "consent_already_answered": "37条書面の電子交付の同意は回答済みです。",
    "id_document_not_asked": "送信者から依頼されていない本人確認書類です。",
    "id_documents_missing": "署名の前に、依頼された本人確認書類の写真を提出してください。",
    "access_code_required": "アクセスコードを入力してください。",
    "already_signed": "この契約書には署名済みです。",
    "not_your_turn": "まだ署名の順番ではありません。",
    "text_required": "「{label:or 入力欄}」を入力してください。",
    "check_required": "「{label:or チェック欄}」にチェックしてください。",
    "invalid_seal_text": "この名前からは印影を作成できません。送信者にお問い合わせください。",
    "seal_name_empty": "印影にする名前が空です。",
    "seal_control_character": "名前に使用できない制御文字（{code_point}）が含まれています。",
    "seal_emoji": "名前に絵文字は使用できません。",
    "seal_missing_glyph": "名前の文字（{code_point}）は表示できる書体がないため印影にできません。",
    "seal_not_found": "印影画像が見つかりません。",
    "seal_image_unsupported": "印影画像はPNGかJPEGの画像にしてください。",
    "seal_image_too_large": "印影画像が大きすぎます。{limit_mb}MB以内にしてください。",
    "seal_image_dimensions": "印影画像は縦横{min_px}〜{max_px}ピクセルにしてください。",
    "seal_image_blank": "印影画像に印影が見つかりません（白い紙だけです）。",
    # the gateway
    "api_key_required": "APIキーを「Authorization: Bearer <キー>」で送ってください。",
    "api_key_invalid": "APIキーが正しくありません。",
    "file_too_large": "ファイルが大きすぎます。{limit_mb}MB以内にしてください。",
    "empty_file": "ファイルが空です。",
    "blob_not_found": "ファイルを取得できません。",
    "service_unavailable": "{service}サービスが応答しません。しばらくしてからお試しください。",
    "invalid_input": "入力内容が正しくありません。各項目を確認してください。",
    "not_found": "ページまたはAPIが見つかりません。",
    "method_not_allowed": "このURLではこの操作はできません。",
    "callback_not_signed": "SMS事業者の署名がないか、正しくありません。",
    "callback_invalid": "MessageSid と既知の MessageStatus が必要です。",
    "scope_missing": "このAPIキーの権限ではこの操作はできません。",
    "rate_limited": ("リクエストが多すぎます。Retry-Afterの秒数だけ待ってから再度お試しください。"),
    "body_too_large": "リクエストの本文が大きすぎます。{limit_kb}KB以内にしてください。",
    "idempotency_key_reused": (
        "このIdempotency-Keyは別のリクエストに使われています。新しいキーを使ってください。"
    ),
    "idempotency_in_progress": (
        "このIdempotency-Keyのリクエストを処理中です。Retry-Afterの後に再度お試しください。"
    ),
    "bad_request": "リクエストを読み取れませんでした。",
    "server_error": "サーバーで問題が発生しました。しばらくしてからお試しください。",
    "api_key_not_found": "APIキーが見つかりません。",
    # webhooks
    "webhook_not_found": "Webhookの登録が見つかりません。",
    "delivery_not_found": "Webhookの配信が見つかりません。",
    "invalid_webhook_url": (
        "WebhookのURLは、ユーザー名やパスワードを含まないhttpまたはhttpsのURLにしてください。"
    ),
    "webhook_url_forbidden": (
        "WebhookのURLの宛先（{address}）は内部向けのアドレスのため使えません。"
        "インターネットから届くURLにしてください。"
    ),
    "invalid_event_types": "不明なイベント種別です。使用できるもの：{allowed}。",
}

FIELD_MESSAGES = {
    "missing": "必須の項目です。",
    "extra_forbidden": "この項目は受け付けていません。",
    "string_too_short": "短すぎます（{min_length}文字以上）。",
    "string_too_long": "長すぎます（{max_length}文字以内）。",
    "too_short": "少なすぎます（{min_length}件以上）。",
    "too_long": "多すぎます（{max_length}件以内）。",
    "greater_than": "{gt}より大きい値にしてください。",
    "greater_than_equal": "{ge}以上の値にしてください。",
    "less_than": "{lt}より小さい値にしてください。",
    "less_than_equal": "{le}以下の値にしてください。",
    "literal_error": "次のいずれかにしてください：{expected}。",
    "int_parsing": "整数で入力してください。",
    "float_parsing": "数値で入力してください。",
    "finite_number": "有限の数値で入力してください。",
    "idempotency_key": "1〜255文字の半角英数記号にしてください。",
    "bool_parsing": "true か false にしてください。",
    "string_type": "文字列にしてください。",
    "json_invalid": "JSONとして読み取れません。",
}
FIELD_FALLBACK = "値が正しくありません。"
