"""日本語の拒否メッセージ: the Japanese catalogue, in the same shape as `en`.

Placeholders are the refusal's parameters; `party_number` and `field_number` count from 1;
`{label:or 入力欄}` shows the label, or the text after "or " when it is empty.
"""

TITLES = {
    400: "リクエストが正しくありません",
    401: "認証が必要です",
    403: "この操作は許可されていません",
    404: "見つかりません",
    405: "この操作はできません",
    409: "現在の状態ではこの操作はできません",
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
    "contact_required": "送信先{party_number}：メールアドレスとSMSのいずれかは必須です。",
    "invalid_email": "送信先{party_number}：メールアドレスの形式が正しくありません。",
    "invalid_phone": "送信先{party_number}：携帯電話番号はハイフンなしの11桁で入力してください。",
    "sms_individual_only": "送信先{party_number}：SMSは個人のみ利用できます。",
    "invalid_access_code": "送信先{party_number}：アクセスコードは英数字で入力してください。",
    "unknown_party": "署名欄{field_number}：送信先が存在しません。",
    "field_for_share_only": "署名欄{field_number}：署名依頼しない送信先には配置できません。",
    "page_out_of_range": "署名欄{field_number}：{page}ページは存在しません。",
    "field_off_page": "署名欄{field_number}：ページの外にはみ出しています。",
    "field_size": "署名欄{field_number}：大きさは縦横とも{min}〜{max}ptにしてください。",
    "signature_box_required": "送信先{party_number}（{party_name}）の署名欄を配置してください。",
    "envelope_not_found": "署名依頼が見つかりません。",
    "invalid_cursor": (
        "カーソルが正しくありません。前のページの next_cursor をそのまま渡してください。"
    ),
    "already_sent": "この署名依頼は送信済みです。",
    "not_signed": "全員の署名が完了していません。",
    # the signer
    "link_invalid": "このリンクは無効です。メールまたはSMSのリンクを確認してください。",
    "party_not_found": "送信先が見つかりません。",
    "no_access_code": "アクセスコードは設定されていません。",
    "wrong_access_code": "アクセスコードが正しくありません。あと{attempts_left}回入力できます。",
    "party_locked": (
        "アクセスコードの入力回数の上限に達したため、ロックされました。"
        "送信者にお問い合わせください。"
    ),
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
    "invalid_webhook_url": "WebhookのURLはhttpまたはhttpsのURLにしてください。",
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
